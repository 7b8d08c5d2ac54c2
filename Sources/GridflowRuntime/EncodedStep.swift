import GridflowExpressions
import Synchronization

/// A step with its JSON texts made, so that a store's transaction only binds and writes them. Both
/// stores write the same texts: the step log of one reads like the other's.
public struct EncodedStep: Sendable {
    /// A case's fields are written in full at least every this many versions, so reading a case
    /// applies fewer than this many steps' changes to its snapshot. Benchmarks may change it.
    public static let snapshotInterval = Atomic<Int>(8)

    public let step: Step
    /// The case's fields in full (UTF-8 JSON), when this step writes a snapshot: when it opens,
    /// closes or migrates the case, and every `snapshotInterval` versions; otherwise only its
    /// changes are written.
    public let fieldsJSON: [UInt8]?
    /// The step's changes (UTF-8 JSON): `[{"field", "old", "new"}…]`.
    public let changesJSON: [UInt8]
    public let effectsJSON: [String]

    public init(_ step: Step) {
        self.step = step
        fieldsJSON =
            step.snapshot || step.expectedVersion == nil
                || step.next.version % Self.snapshotInterval.load(ordering: .relaxed) == 0
            ? Self.fields(of: step) : nil
        var changes: [UInt8] = [UInt8(ascii: "[")]
        changes.reserveCapacity(64 * step.history.changes.count + 2)
        for (index, change) in step.history.changes.enumerated() {
            if index > 0 { changes.append(UInt8(ascii: ",")) }
            changes.append(contentsOf: #"{"field":"#.utf8)
            ValueJSON.write(string: change.field, to: &changes)
            changes.append(contentsOf: #","old":"#.utf8)
            ValueJSON.write(change.old, to: &changes)
            changes.append(contentsOf: #","new":"#.utf8)
            ValueJSON.write(change.new, to: &changes)
            changes.append(UInt8(ascii: "}"))
        }
        changes.append(UInt8(ascii: "]"))
        changesJSON = changes
        effectsJSON = step.effects.map(\.json)
    }

    /// The case's fields after the step, as UTF-8 JSON.
    public static func fields(of step: Step) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1_024)
        ValueJSON.write(Value.record(step.next.fields), to: &bytes)
        return bytes
    }
}
