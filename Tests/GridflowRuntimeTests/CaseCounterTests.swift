import GridflowExpressions
import Testing

@testable import GridflowRuntime

/// The store's one-pass count over cases' fields text: what it counts, and the cases it leaves
/// to the interpreter.
@Suite struct CaseCounterTests {
    func query(_ person: String, where filter: String? = nil, sum: String? = nil) throws -> CaseCountQuery {
        try #require(CaseCountQuery.translate(person: person, where: filter, sum: sum))
    }

    /// Counts one case; `nil` when it is left to the caller.
    func count(_ counter: inout CaseCounter, _ fields: String, state: String = "open", id: String = "c-1") throws
        -> Bool
    {
        var fields = fields
        var state = state
        var id = id
        return try fields.withUTF8 { fields in
            try state.withUTF8 { state in
                try id.withUTF8 { id in try counter.count(fields: fields, state: state, id: id) }
            }
        }
    }

    @Test func itCountsWhatTheQueriesSay() throws {
        var counter = CaseCounter([
            try query("[case.reporter.id]"),
            try query("case.reporter.id", where: #"case.state == "open" and case.real_name"#),
            try query("case.reporter.id", where: #"case.kind in ["a", "b"] or not (case.late ?? false)"#),
            try query("has(case.reporter) ? [case.reporter.id] : []", sum: "size(case.items ?? [])"),
            try query("case.level", where: "has(case.level)"),
        ])
        let texts = [
            #"{"reporter":{"id":"wang","name":"王"},"real_name":true,"kind":"a","items":[1,[2,3],{"x":"]"}],"level":"high"}"#,
            #" { "reporter" : { "name" : "li" , "id" : "li" } , "real_name" : false , "late" : true , "items" : [ ] } "#,
            #"{"description":"a \"quoted\" \\ text","reporter":{"id":"wang"},"late":false,"level":null}"#,
            #"{"reporter":null,"items":[1]}"#,
            #"{"other":{"reporter":{"id":"zhao"}},"n":-12.5e3,"z":0}"#,
        ]
        for text in texts { #expect(try count(&counter, text)) }
        #expect(try count(&counter, #"{"reporter":{"id":"li"}}"#, state: "closed"))
        #expect(
            counter.counts == [
                ["wang": Number(2), "li": Number(2)], ["wang": Number(1)],
                ["wang": Number(2), "li": Number(1)], ["wang": Number(3)], ["high": Number(1)],
            ])
        let counts = counter.counts
        #expect(counter.takeCounts().byPerson == counts)
        #expect(counter.counts == [[:], [:], [:], [:], [:]])
    }

    /// A case whose answer hangs on something the scan does not decide exactly counts nothing
    /// here: the caller counts it with the interpreter.
    @Test(
        arguments: [
            #"{"reporter":{"id":"w\u0061ng"}}"#,
            #"{"reporter":{"id":["wang"]}}"#,
            #"{"reporter":{"id":"wang"},"kind":"\u0061"}"#,
            #"{"reporter":{"id":"wang"},"kind":{"a":1}}"#,
            #"{"reporter":{"id":"wang"},"real_name":1.0}"#,
            #"{"reporter":{"id":"wang"},"items":"abc"}"#,
            #"{"reporter":{"id":"wang"},"reporter":{"id":"li"}}"#,
            #"{"reporter":{"id":"wang"},"k\u0069nd":"a"}"#,
            #"{"reporter":{"id":"wang"},"other":01}"#,
            #"{"reporter":{"id":"wang"}"#,
            #"{"reporter":{"id":"wang"}} x"#,
            #"["wang"]"#,
        ])
    func itLeavesWhatItCannotDecide(_ text: String) throws {
        var counter = CaseCounter([
            try query("[case.reporter.id]", where: #"case.kind == "a" or case.real_name"#),
            try query("[case.reporter.id]", sum: "size(case.items ?? [])"),
        ])
        #expect(try !count(&counter, text))
        #expect(counter.counts == [[:], [:]])
    }
}
