extension QRCode {
    /// Light modules around the symbol, as the standard asks: 4 modules wide.
    public static let quietZone = 4

    /// The symbol as an SVG image: a white square with the 4-module quiet zone and one `<path>`
    /// of the dark modules (each row's runs as rectangles), drawn in module units in a
    /// `viewBox`, so it scales to any size without blur; `crispEdges` keeps neighbouring modules
    /// from showing seams. `title` (default: none) becomes the image's `<title>`, what screen
    /// readers say and browsers show on hover. `moduleSize` gives the image a width and height
    /// in pixels (modules × it); without it the image fills the box it is put in (inline in a page).
    public func svg(title: String? = nil, moduleSize: Int? = nil) -> String {
        let side = size + 2 * Self.quietZone
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x, y] else {
                    x += 1
                    continue
                }
                var end = x + 1
                while end < size, self[end, y] { end += 1 }
                path += "M\(x + Self.quietZone) \(y + Self.quietZone)h\(end - x)v1h-\(end - x)z"
                x = end
            }
        }
        let dimensions = moduleSize.map { " width=\"\(side * $0)\" height=\"\(side * $0)\"" } ?? ""
        let label = title.map { "<title>\(Self.escaped($0))</title>" } ?? ""
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)"\(dimensions) \
            shape-rendering="crispEdges" role="img">\(label)<rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>

            """
    }

    /// `text` with the characters XML gives a meaning written as references.
    public static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            // XML 1.0 has no other control characters, even as references.
            case _ where character.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" && $0 != "\n" }):
                result += "\u{FFFD}"
            default: result.append(character)
            }
        }
        return result
    }
}
