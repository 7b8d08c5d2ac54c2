/// A QR Code symbol (ISO/IEC 18004, model 2) of a text encoded in byte mode: the square matrix
/// of modules, with the version, error-correction level and mask it was built with.
///
/// Written here rather than taken from a package: no Swift QR Code package is available to the
/// machines this project builds on, and the encoder is small and fully specified. The tests
/// decode what it draws with a real decoder (zbar's `zbarimg`) and compare it module by module
/// with matrices drawn by another implementation (python-qrcode).
///
/// What it covers: byte mode (the UTF-8 bytes of the text, preceded by the UTF-8 ECI designator
/// when the text is not ASCII), versions 1–40 (the smallest that holds the text), levels
/// L/M/Q/H, Reed–Solomon codewords over GF(256) per block, block interleaving, all eight masks
/// scored by the four penalty rules of the standard (the lowest wins), format and version
/// information. Not covered: numeric, alphanumeric and kanji modes (denser for such texts),
/// Structured Append, Micro QR.
public struct QRCode: Sendable, Equatable {
    /// 1–40: the symbol is `17 + 4 × version` modules square.
    public let version: Int
    public let level: QRErrorCorrection
    /// The data mask chosen, 0–7.
    public let mask: Int
    /// Modules per side.
    public let size: Int
    /// Row by row, `true` for a dark module.
    let modules: [Bool]

    /// Whether the module in column `x`, row `y` (from the top left, 0-based) is dark.
    public subscript(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// The rows of the matrix, `true` for a dark module.
    public var rows: [[Bool]] {
        (0..<size).map { y in Array(modules[(y * size)..<((y + 1) * size)]) }
    }

    /// The code of `text`'s UTF-8 bytes at `level`, in the smallest version that holds them.
    /// Text that is not all ASCII is preceded by the ECI designator of UTF-8 (ECI 26), so that
    /// decoders do not guess another encoding (zbar reads Chinese without it as Shift JIS);
    /// ASCII text, such as a URL, carries none, as the oldest readers prefer. `mask` forces one
    /// of the eight masks (for comparing with other encoders); by default the one with the
    /// lowest penalty is chosen.
    public init(_ text: String, level: QRErrorCorrection = .medium, mask: Int? = nil) throws(QRCodeError) {
        let bytes = Array(text.utf8)
        try self.init(bytes: bytes, eci: bytes.allSatisfy { $0 < 0x80 } ? nil : Self.utf8ECI, level: level, mask: mask)
    }

    /// The code of `bytes` at `level`, in byte mode without an ECI designator, in the smallest
    /// version that holds them.
    public init(bytes: [UInt8], level: QRErrorCorrection = .medium, mask: Int? = nil) throws(QRCodeError) {
        try self.init(bytes: bytes, eci: nil, level: level, mask: mask)
    }

    /// The ECI assignment number of UTF-8.
    static let utf8ECI = 26

    init(bytes: [UInt8], eci: Int?, level: QRErrorCorrection, mask: Int?) throws(QRCodeError) {
        if let mask, !(0...7).contains(mask) { throw .badMask(mask) }
        let designator = eci == nil ? 0 : 12
        guard
            let version = (1...40).first(where: {
                bytes.count <= Self.capacity(version: $0, level: level, designatorBits: designator)
            })
        else {
            throw .tooLong(
                bytes: bytes.count, capacity: Self.capacity(version: 40, level: level, designatorBits: designator),
                level: level)
        }
        let codewords = Self.interleaved(
            Self.dataCodewords(bytes, eci: eci, version: version, level: level), version: version, level: level)
        var matrix = Matrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.place(codewords)
        let chosen: Int
        if let mask {
            chosen = mask
        } else {
            var best = (mask: 0, penalty: Int.max)
            for candidate in 0..<8 {
                var trial = matrix
                trial.apply(mask: candidate)
                trial.drawFormat(level: level, mask: candidate)
                let penalty = trial.penalty()
                if penalty < best.penalty { best = (candidate, penalty) }
            }
            chosen = best.mask
        }
        matrix.apply(mask: chosen)
        matrix.drawFormat(level: level, mask: chosen)
        self.version = version
        self.level = level
        self.mask = chosen
        self.size = matrix.size
        self.modules = matrix.dark
    }

    /// How many bytes a symbol of `version` holds at `level` (without an ECI designator, which
    /// takes 12 bits).
    public static func capacity(version: Int, level: QRErrorCorrection) -> Int {
        capacity(version: version, level: level, designatorBits: 0)
    }

    static func capacity(version: Int, level: QRErrorCorrection, designatorBits: Int) -> Int {
        (dataCapacity(version: version, level: level) * 8 - designatorBits - 4 - countBits(version)) / 8
    }

    // MARK: Data

    /// Bits of the byte-mode character count: 8 up to version 9, 16 from version 10.
    static func countBits(_ version: Int) -> Int { version <= 9 ? 8 : 16 }

    /// The data codewords (before error correction) a symbol of `version` holds at `level`.
    static func dataCapacity(version: Int, level: QRErrorCorrection) -> Int {
        rawModules(version) / 8 - QRTables.eccPerBlock[level.index][version] * QRTables.blocks[level.index][version]
    }

    /// The modules left for codewords once the function patterns and format and version
    /// information are drawn (remainder bits included).
    static func rawModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    /// The ECI designator if any (mode 0111, an 8-bit assignment number), then the mode
    /// indicator, count, the bytes, terminator, padding to a byte and the pad codewords
    /// 0xEC 0x11 up to the version's data capacity.
    static func dataCodewords(_ bytes: [UInt8], eci: Int?, version: Int, level: QRErrorCorrection) -> [UInt8] {
        var bits = BitBuffer()
        if let eci {
            bits.append(0b0111, count: 4)
            bits.append(eci, count: 8)
        }
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: countBits(version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        let capacity = dataCapacity(version: version, level: level) * 8
        bits.append(0, count: min(4, capacity - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacity / 8 {
            codewords.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        return codewords
    }

    /// The data split into the version's blocks, each followed by its Reed–Solomon codewords,
    /// then interleaved: the first codeword of every block, the second, … (the shorter blocks
    /// coming first), then the error-correction codewords the same way.
    static func interleaved(_ data: [UInt8], version: Int, level: QRErrorCorrection) -> [UInt8] {
        let blockCount = QRTables.blocks[level.index][version]
        let eccLength = QRTables.eccPerBlock[level.index][version]
        let raw = rawModules(version) / 8
        let shortBlocks = blockCount - raw % blockCount
        let shortLength = raw / blockCount - eccLength
        let divisor = ReedSolomon.divisor(degree: eccLength)
        var blocks: [[UInt8]] = []
        var eccs: [[UInt8]] = []
        var offset = 0
        for index in 0..<blockCount {
            let length = shortLength + (index < shortBlocks ? 0 : 1)
            let block = Array(data[offset..<(offset + length)])
            offset += length
            blocks.append(block)
            eccs.append(ReedSolomon.remainder(block, divisor: divisor))
        }
        var result: [UInt8] = []
        result.reserveCapacity(raw)
        for position in 0...shortLength {
            for block in blocks where position < block.count { result.append(block[position]) }
        }
        for position in 0..<eccLength {
            for ecc in eccs { result.append(ecc[position]) }
        }
        return result
    }
}

/// How much of a symbol may be damaged and still read: about 7 % (L), 15 % (M), 25 % (Q), 30 % (H).
public enum QRErrorCorrection: String, CaseIterable, Sendable {
    case low = "L"
    case medium = "M"
    case quartile = "Q"
    case high = "H"

    /// The index into the tables (L, M, Q, H).
    var index: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }

    /// The two bits format information gives the level: L 01, M 00, Q 11, H 10.
    var formatBits: Int {
        switch self {
        case .low: 1
        case .medium: 0
        case .quartile: 3
        case .high: 2
        }
    }
}

/// Why a text has no QR Code.
public enum QRCodeError: Error, Equatable, CustomStringConvertible {
    /// More bytes than the largest symbol (version 40) holds at the level.
    case tooLong(bytes: Int, capacity: Int, level: QRErrorCorrection)
    /// A mask outside 0–7.
    case badMask(Int)

    public var description: String {
        switch self {
        case .tooLong(let bytes, let capacity, let level):
            "the text is \(bytes) bytes long in UTF-8; a QR code holds at most \(capacity) at level \(level.rawValue)"
                + (level == .low ? "" : " (a lower level holds more)")
        case .badMask(let mask): "mask \(mask) is not one of 0–7"
        }
    }
}

/// Bits appended most significant first.
struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    mutating func append(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }

    /// The bits in bytes; the count is a multiple of 8 when this is read.
    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<min(start + 8, bits.count)].enumerated().reduce(UInt8(0)) {
                $0 | ($1.element ? UInt8(0x80) >> UInt8($1.offset) : 0)
            }
        }
    }
}

/// Reed–Solomon codes over GF(2⁸) with the QR Code's polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D).
enum ReedSolomon {
    /// `a × b` in the field.
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var result = 0
        let x = Int(a)
        for bit in stride(from: 7, through: 0, by: -1) {
            result = (result << 1) ^ ((result >> 7) * 0x11D)
            result ^= ((Int(b) >> bit) & 1) * x
        }
        return UInt8(result)
    }

    /// The generator polynomial (x − α⁰)(x − α¹)…(x − α^(degree−1)), its coefficients from
    /// the highest power down, the leading 1 left out.
    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    /// The remainder of `data` × x^degree divided by the generator: the error-correction codewords.
    static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in 0..<divisor.count { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}
