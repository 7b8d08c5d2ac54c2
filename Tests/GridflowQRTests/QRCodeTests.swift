import Foundation
import Testing

@testable import GridflowQR

@Suite("QR codes")
struct QRCodeTests {
    /// Texts of every kind the report form's codes and other uses might carry.
    static let texts: [String] = [
        "a", "Gridflow", "https://gridflow.example/units/oilfield/report/opp_area_1_station_1",
        "http://localhost:8080/units/tour/report/north", "监督举报", "江汉油田监督网格 · 扫码监督",
        "湖北公司纪检监察室：请扫码反映问题", "mixed 中文 and ASCII, émojis 🛢️📡 and punctuation <&>\"'",
        "two\nlines", String(repeating: "0123456789", count: 30), String(repeating: "监督", count: 100),
        String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 20),
    ]

    @Test("every text decodes back with zbar at every level", arguments: QRErrorCorrection.allCases)
    func roundTrip(level: QRErrorCorrection) throws {
        for text in Self.texts {
            let code = try QRCode(text, level: level)
            #expect(try Zbar.decode(code) == text, "\(level) v\(code.version): \(text)")
        }
    }

    @Test("every version of every level: the fullest text picks it and decodes", arguments: QRErrorCorrection.allCases)
    func everyVersion(level: QRErrorCorrection) throws {
        for version in 1...40 {
            let capacity = QRCode.capacity(version: version, level: level)
            // Varied bytes, so that blocks and masks see more than one pattern.
            let text = String((0..<capacity).map { Character(UnicodeScalar(UInt8(0x21 + ($0 * 7 + version) % 94))) })
            let code = try QRCode(text, level: level)
            #expect(code.version == version && code.size == 17 + 4 * version)
            #expect(try Zbar.decode(code, scale: 2) == text, "\(level) version \(version)")
            if version < 40 {
                #expect(try QRCode(text + "!", level: level).version == version + 1)
            }
        }
    }

    @Test("capacities are the standard's byte-mode figures")
    func capacities() {
        // ISO/IEC 18004 table 7, byte mode.
        #expect(QRCode.capacity(version: 1, level: .low) == 17)
        #expect(QRCode.capacity(version: 1, level: .medium) == 14)
        #expect(QRCode.capacity(version: 1, level: .quartile) == 11)
        #expect(QRCode.capacity(version: 1, level: .high) == 7)
        #expect(QRCode.capacity(version: 7, level: .medium) == 122)
        #expect(QRCode.capacity(version: 10, level: .medium) == 213)
        #expect(QRCode.capacity(version: 40, level: .low) == 2953)
        #expect(QRCode.capacity(version: 40, level: .medium) == 2331)
        #expect(QRCode.capacity(version: 40, level: .quartile) == 1663)
        #expect(QRCode.capacity(version: 40, level: .high) == 1273)
    }

    @Test("Reed–Solomon codewords of the standard's example (annex I: 01234567, 1-M)")
    func reedSolomon() {
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        let ecc = ReedSolomon.remainder(data, divisor: ReedSolomon.divisor(degree: 10))
        #expect(ecc == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    struct Reference: Decodable {
        var text: String
        var level: String
        var mask: Int
        var version: Int
        var rows: [String]
    }

    struct References: Decodable {
        var generator: String
        var codes: [Reference]
    }

    /// Matrices drawn by python-qrcode (Tests/Fixtures/qr/python-qrcode.json says how), in byte
    /// mode without a designator. (segno was tried first: it adds a zero codeword after the
    /// terminator when the data ends on a byte boundary, which the standard does not.)
    @Test("module for module the matrices of another encoder (python-qrcode), mask for mask")
    func knownMatrices() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/qr/python-qrcode.json").standardized
        let references = try JSONDecoder().decode(References.self, from: Data(contentsOf: file))
        #expect(references.codes.count == 11)
        for reference in references.codes {
            let level = try #require(QRErrorCorrection(rawValue: reference.level))
            let code = try QRCode(bytes: Array(reference.text.utf8), level: level, mask: reference.mask)
            #expect(code.version == reference.version, "\(reference.text)")
            let rows = code.rows.map { String($0.map { $0 ? "1" : "0" }) }
            let wrong = zip(rows, reference.rows).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            #expect(rows.count == reference.rows.count && wrong.isEmpty, "\(reference.text): rows \(wrong) differ")
        }
    }

    @Test("non-ASCII text carries the UTF-8 designator, ASCII text none")
    func designator() throws {
        let ascii = QRCode.dataCodewords(Array("ab".utf8), eci: nil, version: 1, level: .medium)
        #expect(Array(ascii.prefix(4)) == [0x40, 0x26, 0x16, 0x20])
        let chinese = QRCode.dataCodewords(Array("码".utf8), eci: QRCode.utf8ECI, version: 1, level: .medium)
        // 0111 00011010 0100 00000011 11100111 10100000 10000001 0000
        #expect(Array(chinese.prefix(7)) == [0x71, 0xA4, 0x03, 0xE7, 0xA0, 0x81, 0x00])
        let withDesignator = try QRCode("码", mask: 0)
        let without = try QRCode(bytes: Array("码".utf8), mask: 0)
        #expect(withDesignator.rows != without.rows)
        #expect(try Zbar.decode(withDesignator) == "码")
    }

    @Test("the mask chosen has the lowest penalty of the eight")
    func bestMask() throws {
        for text in Self.texts.prefix(6) {
            let chosen = try QRCode(text)
            var penalties: [Int] = []
            for mask in 0..<8 {
                let code = try QRCode(text, mask: mask)
                var matrix = Matrix(version: code.version)
                matrix.dark = code.rows.flatMap { $0 }
                penalties.append(matrix.penalty())
            }
            #expect(penalties[chosen.mask] == penalties.min(), "\(text): \(penalties), chose \(chosen.mask)")
            // Different masks draw different symbols.
            #expect(Set(try (0..<8).map { try QRCode(text, mask: $0).rows }).count == 8)
        }
    }

    @Test("too long a text is an error naming its length and the most a code holds")
    func tooLong() throws {
        let text = String(repeating: "x", count: 2332)
        #expect(throws: QRCodeError.tooLong(bytes: 2332, capacity: 2331, level: .medium)) { try QRCode(text) }
        #expect(try QRCode(text, level: .low).version == 36)
        #expect(try QRCode(String(repeating: "x", count: 2331)).version == 40)
        let error = QRCodeError.tooLong(bytes: 2332, capacity: 2331, level: .medium)
        #expect(
            error.description
                == "the text is 2332 bytes long in UTF-8; a QR code holds at most 2331 at level M (a lower level holds more)"
        )
        // Bytes, not characters, and the UTF-8 designator counts: 777 Chinese characters are
        // 2331 bytes, which fit only without it.
        let chinese = String(repeating: "码", count: 777)
        #expect(throws: QRCodeError.tooLong(bytes: 2331, capacity: 2330, level: .medium)) { try QRCode(chinese) }
        #expect(try QRCode(bytes: Array(chinese.utf8)).version == 40)
        #expect(throws: QRCodeError.badMask(8)) { try QRCode("a", mask: 8) }
    }

    @Test("the SVG draws exactly the matrix, in a quiet zone, crisp, titled and scalable")
    func svg() throws {
        let text = "https://gridflow.example/units/oilfield/report/a&b<c>"
        let code = try QRCode(text, level: .quartile)
        let svg = code.svg(title: text)
        let side = code.size + 8
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\""))
        #expect(svg.contains("shape-rendering=\"crispEdges\""))
        #expect(svg.contains("<title>https://gridflow.example/units/oilfield/report/a&amp;b&lt;c&gt;</title>"))
        #expect(!svg.contains("width=\"\(side * 8)\""))
        #expect(code.svg(moduleSize: 8).contains(" width=\"\(side * 8)\" height=\"\(side * 8)\""))
        #expect(svg.components(separatedBy: "<path").count == 2)
        // Redraw the path's rectangles and compare with the matrix.
        let path = try #require(svg.split(separator: " d=\"").last?.split(separator: "\"").first)
        var drawn = [[Bool]](repeating: [Bool](repeating: false, count: side), count: side)
        for rectangle in path.split(separator: "M") {
            let numbers = rectangle.split(whereSeparator: { "hvz ".contains($0) }).compactMap { Int($0) }
            #expect(numbers.count == 5 && numbers[3] == 1 && numbers[4] == -numbers[2], "\(rectangle)")
            for x in numbers[0]..<(numbers[0] + numbers[2]) {
                #expect(!drawn[numbers[1]][x], "drawn twice")
                drawn[numbers[1]][x] = true
            }
        }
        let quiet = [Bool](repeating: false, count: 4)
        let expected =
            Array(repeating: Array(repeating: false, count: side), count: 4)
            + code.rows.map { quiet + $0 + quiet } + Array(repeating: Array(repeating: false, count: side), count: 4)
        #expect(drawn == expected)
        #expect(QRCode.escaped("bell\u{7}") == "bell\u{FFFD}")
    }
}
