import Foundation
import GridflowRuntime
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store is: a `postgres://user:password@host:port/database?sslmode=…` URL, as
/// libpq writes it. The password is never part of its description.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The folder of the server's Unix socket (`?host=/run/postgresql`), instead of TCP.
    public var socketFolder: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// How many connections a process opens at most for the steps tasks commit, and as many for the
    /// rest (`?pool_size=N`, default 16).
    public var poolSize: Int

    /// libpq's `sslmode`, as far as postgres-nio has it.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
    }

    /// Whether `text` names a PostgreSQL store rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; a mistake is a `StoreError` naming the part that is wrong (never the password).
    public init(url text: String) throws(StoreError) {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw StoreError(
                .cannotOpen,
                "not a PostgreSQL URL: expected postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]"
            )
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreError(.cannotOpen, "the PostgreSQL URL names no user (postgres://USER@host/database)")
        }
        self.user = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw StoreError(.cannotOpen, "the PostgreSQL URL's port \(port) is not between 1 and 65535")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? self.user : (path.removingPercentEncoding ?? path)
        tls = .prefer
        poolSize = 16
        socketFolder = nil
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw StoreError(
                        .cannotOpen,
                        "the PostgreSQL URL's sslmode=\(value) is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                tls = mode
            case "pool_size":
                guard let size = Int(value), (1...256).contains(size) else {
                    throw StoreError(
                        .cannotOpen, "the PostgreSQL URL's pool_size=\(value) is not a number from 1 to 256")
                }
                poolSize = size
            case "host":
                guard value.hasPrefix("/") else {
                    throw StoreError(
                        .cannotOpen, "the PostgreSQL URL's host=\(value) is not the folder of a Unix socket")
                }
                socketFolder = value
            default:
                throw StoreError(
                    .cannotOpen, "the PostgreSQL URL's parameter '\(item.name)' is unknown (sslmode, pool_size, host)")
            }
        }
    }

    /// The URL without its password.
    public var description: String {
        let place = socketFolder.map { "?host=\($0)" } ?? ""
        return "postgres://\(user)@\(host):\(port)/\(database)\(place)"
    }

    /// The location with another database (the tests' throwaway databases).
    public func database(_ name: String) -> PostgresLocation {
        var copy = self
        copy.database = name
        return copy
    }

    func configuration() throws(StoreError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketFolder {
            configuration = .init(
                unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch self.tls {
            case .disable:
                tls = .disable
            case .prefer, .require:
                do {
                    let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                    tls = self.tls == .prefer ? .prefer(context) : .require(context)
                } catch {
                    throw StoreError(.cannotOpen, "TLS for \(description) cannot be set up: \(error)")
                }
            }
            configuration = .init(
                host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
