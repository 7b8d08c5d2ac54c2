import Foundation
import Testing

@testable import GridflowQR

/// zbar's `zbarimg` (Debian's zbar-tools), a decoder written by others: what it reads back is
/// what a scanner would.
enum Zbar {
    static let binary: URL? = {
        let environment = ProcessInfo.processInfo.environment["ZBARIMG"]
        for path in [environment, "/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].compactMap({ $0 })
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        return nil
    }()

    /// The code drawn as a grey map (binary PGM, which zbar reads like PNG) with its quiet
    /// zone, `scale` pixels a module.
    static func pgm(_ code: QRCode, scale: Int = 3) -> Data {
        let side = (code.size + 2 * QRCode.quietZone) * scale
        var data = Data("P5\n\(side) \(side)\n255\n".utf8)
        var row = [UInt8](repeating: 255, count: side)
        for y in 0..<side {
            let moduleY = y / scale - QRCode.quietZone
            for x in 0..<side {
                let moduleX = x / scale - QRCode.quietZone
                let inside = (0..<code.size).contains(moduleX) && (0..<code.size).contains(moduleY)
                row[x] = inside && code[moduleX, moduleY] ? 0 : 255
            }
            data.append(contentsOf: row)
        }
        return data
    }

    /// What zbarimg reads in the image at `file` (the data of each symbol followed by a line
    /// break); `nil` when it finds none.
    static func decode(file: URL) throws -> String? {
        let zbarimg = try #require(binary, "zbarimg is needed: apt-get install zbar-tools (see .ci/run)")
        let process = Process()
        process.executableURL = zbarimg
        // --raw: the data only; -Sqrcode.binary is not asked for, so text comes back as UTF-8.
        process.arguments = ["--raw", "--quiet", "-Sdisable", "-Sqrcode.enable", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // 0: found; 4: nothing found.
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// What zbarimg reads in `code`.
    static func decode(_ code: QRCode, scale: Int = 3) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gridflow-qr-\(UUID()).pgm")
        try pgm(code, scale: scale).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        guard var text = try decode(file: file) else { return nil }
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
