import Testing

@testable import GridflowServer

/// The upload form's reader of `multipart/form-data`: what a browser sends is read, anything
/// else is refused with why.
struct MultipartFormTests {
    static let type = "multipart/form-data; boundary=XyZ"

    static func body(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    @Test func readsFieldsAndAFileWithItsNameAndType() throws {
        let form = try MultipartForm(
            contentType: Self.type,
            body: Self.body(
                """
                --XyZ
                Content-Disposition: form-data; name="_csrf"

                abc
                --XyZ
                Content-Disposition: form-data; name="file"; filename="a%22b.txt"
                Content-Type: text/plain

                line one
                line two
                --XyZ--

                """))
        #expect(form.text("_csrf") == "abc")
        let file = try #require(form.parts.first { $0.name == "file" })
        #expect(file.filename == "a\"b.txt" && file.contentType == "text/plain")
        #expect(String(decoding: file.bytes, as: UTF8.self) == "line one\r\nline two")
        #expect(form.text("file") == nil, "a file is not a text field")
    }

    @Test func refusesWhatIsNotAWellFormedForm() {
        let cases: [(String?, String, String)] = [
            ("application/x-www-form-urlencoded", "a=b", "is sent as multipart/form-data"),
            ("multipart/form-data", "--XyZ--", "has no boundary"),
            (Self.type, "--Other\nContent-Disposition: form-data; name=\"a\"\n\nb\n--Other--\n", "does not start"),
            (Self.type, "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nb", "no closing boundary"),
            (Self.type, "--XyZ\nContent-Type: text/plain\n\nb\n--XyZ--\n", "no Content-Disposition"),
            (Self.type, "--XyZ\nContent-Disposition: attachment\n\nb\n--XyZ--\n", "form-data with a name"),
            (Self.type, "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nb\n--XyZ--\nmore", "after its closing"),
            (Self.type, "--XyZ\nno colon\n\nb\n--XyZ--\n", "'Name: value'"),
        ]
        for (type, text, reason) in cases {
            #expect(throws: MultipartForm.Failure.self, "\(reason)") {
                try MultipartForm(contentType: type, body: Self.body(text))
            }
            do {
                _ = try MultipartForm(contentType: type, body: Self.body(text))
            } catch {
                #expect(error.message.contains(reason), "\(error.message)")
            }
        }
        let many =
            (0..<9).map { "--XyZ\nContent-Disposition: form-data; name=\"f\($0)\"\n\nv\n" }.joined() + "--XyZ--\n"
        #expect(throws: MultipartForm.Failure.self) { try MultipartForm(contentType: Self.type, body: Self.body(many)) }
    }
}
