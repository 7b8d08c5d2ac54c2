import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import HTTPTypes
import Hummingbird

/// Signing in to the daemon's pages: an administrator issues a one-time code for a person
/// (`gridflow signin-link`), the person opens `/signin?code=…`, which redeems the code once and
/// opens a session held in a cookie. The store keeps the SHA-256 of codes and sessions only.
public enum WebSignIn {
    /// The session cookie's name.
    public static let cookie = "gridflow_session"
    /// How long a session lasts.
    public static let sessionSeconds = 12 * 3600
    /// Random bytes per code and per session secret.
    static let secretBytes = 32

    /// A new secret: 64 lowercase hexadecimal digits from the system's secure generator.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String(
            (0..<secretBytes).flatMap { _ in
                let byte = UInt8.random(in: .min ... .max, using: &generator)
                return [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
            })
    }

    /// Whether `text` has a code's (or a session secret's) form.
    static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == secretBytes * 2
            && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Issues a code for `person` of `unit`, valid from `now` for `seconds`; returns the code,
    /// which is shown once.
    public static func issue(unit: String, person: String, at now: Instant, seconds: Int, store: any CaseStore)
        throws(StoreError) -> String
    {
        var attempt = 0
        while true {
            attempt += 1
            let code = newSecret()
            do {
                try store.saveSignInCode(
                    hash: TokenAuthority.hash(code), unit: unit, person: person, at: now,
                    expiresAt: Instant(seconds: now.seconds + seconds))
                return code
            } catch  where error.code == .conflict && attempt < 3 {
                continue
            }
        }
    }

    /// The sign-in URL of `code` under the daemon's public URL `base`.
    public static func url(base: String, code: String) -> String { base + "/signin?code=" + code }

    /// The CSRF token of a session: derived from its secret, which the store does not hold, so
    /// a copy of the store cannot forge one.
    static func csrf(ofSession secret: String) -> String { TokenAuthority.hash("csrf\n" + secret) }

    /// Whether two tokens are equal, in time independent of where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// The value of cookie `name` in a request's `Cookie` headers.
    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                guard let equals = pair.firstIndex(of: "=") else { continue }
                if pair[..<equals] == name { return String(pair[pair.index(after: equals)...]) }
            }
        }
        return nil
    }

    /// The `Set-Cookie` value that holds `secret` (or, with `nil`, clears the cookie).
    static func setCookie(_ secret: String?, secure: Bool) -> String {
        let value = secret ?? ""
        let age = secret == nil ? 0 : sessionSeconds
        return "\(cookie)=\(value); Path=/; Max-Age=\(age); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}

/// A signed-in request: who, and the session's secret (for its CSRF token).
struct PageSession: Sendable {
    var unit: String
    var person: String
    var secret: String

    var csrf: String { WebSignIn.csrf(ofSession: secret) }

    /// The caller the API's helpers take: no token, the session stands for it.
    var caller: Caller { Caller(unit: unit, person: person, admin: false, tokenID: "session") }
}
