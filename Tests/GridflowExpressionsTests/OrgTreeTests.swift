import Testing

@testable import GridflowExpressions

/// `level`, `parent`, `ancestors`, `ancestor_at`, `title` and `within` over a small org tree
/// compiled in.
@Suite struct OrgTreeTests {
    /// field → plant → area_1 → station_1 / station_2, and plant → depot, which skips the work
    /// area level (a node that names its level); station_2 has no title.
    static let tree = OrgTree(
        levels: ["oilfield", "plant", "work_area", "team"],
        nodes: [
            ("field", .init(title: "油田", parent: nil, level: "oilfield")),
            ("plant", .init(title: "采油厂", parent: "field", level: "plant")),
            ("area_1", .init(title: "一区", parent: "plant", level: "work_area")),
            ("station_1", .init(title: "采油一站", parent: "area_1", level: "team")),
            ("station_2", .init(title: "station_2", parent: "area_1", level: "team")),
            ("depot", .init(title: "物资站", parent: "plant", level: "team")),
        ])
    static let department = ValueType.enumeration(name: "department", values: ["hr", "production"])
    static let caseType = RecordType(
        name: "case",
        fields: [
            .init(name: "station", type: tree.nodeType), .init(name: "team", type: .string),
            .init(name: "other", type: .optional(tree.nodeType)), .init(name: "department", type: department),
        ])

    static func environment(org: OrgTree? = tree) -> Environment {
        var environment = Environment(roots: [("case", .record(caseType))])
        environment.org = org
        return environment
    }

    static func evaluate(_ text: String, station: String = "station_1", team: String = "depot") throws -> Value {
        let compiled = try Compiler.compile(text, in: environment())
        let record = Record(
            layout: caseType.layout, slots: [.string(station), .string(team), .null, .string("hr")])
        return try compiled.evaluate(Frame(roots: [.record(record)]))
    }

    static func problem(_ text: String, org: OrgTree? = tree) -> ExpressionProblem? {
        do {
            _ = try Compiler.compile(text, in: environment(org: org))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("level(case.station)", Value.string("team")),
        ("level('area_1')", .string("work_area")),
        // A node that names its level skips the one between.
        ("level(case.team)", .string("team")),
        ("parent(case.station)", .string("area_1")),
        ("parent('field')", .null),
        ("parent(case.team)", .string("plant")),
        ("ancestors(case.station)", .list([.string("area_1"), .string("plant"), .string("field")])),
        ("ancestors('field')", .list([])),
        ("title(case.station)", .string("采油一站")),
        ("title(parent(case.station) ?? 'field')", .string("一区")),
        ("within(case.station, 'plant')", .bool(true)),
        ("within(case.station, case.station)", .bool(true)),
        ("within(case.team, 'area_1')", .bool(false)),
        ("within('plant', case.station)", .bool(false)),
        ("level(case.station) == 'team' and 'plant' in ancestors(case.station)", .bool(true)),
        ("count(ancestors(case.station), a -> level(a) == 'plant')", .number(Number(1))),
        // The node itself or its ancestor at the level; null when it lies above it.
        ("ancestor_at(case.station, 'plant')", .string("plant")),
        ("ancestor_at(case.station, 'work_area')", .string("area_1")),
        ("ancestor_at(case.station, 'team')", .string("station_1")),
        ("ancestor_at('plant', 'plant')", .string("plant")),
        ("ancestor_at('plant', 'team')", .null),
        ("ancestor_at('field', 'oilfield')", .string("field")),
        // The depot skips the work area level: it has no work area.
        ("ancestor_at(case.team, 'work_area')", .null),
        ("ancestor_at(case.team, level('plant'))", .string("plant")),
        ("title(ancestor_at(case.station, 'work_area') ?? 'field')", .string("一区")),
    ])
    func functionsReadTheTree(_ text: String, _ expected: Value) throws {
        #expect(try Self.evaluate(text) == expected)
    }

    @Test func typesAreTheTreesEnums() throws {
        func type(_ text: String) throws -> ValueType { try Compiler.compile(text, in: Self.environment()).type }
        #expect(try type("level(case.station)") == Self.tree.levelType)
        #expect(try type("parent(case.station)") == .optional(Self.tree.nodeType))
        #expect(try type("ancestors('plant')") == .list(Self.tree.nodeType))
        #expect(try type("title(case.team)") == .string)
        #expect(try type("within(case.team, 'plant')") == .bool)
        #expect(try type("ancestor_at(case.team, 'plant')") == .optional(Self.tree.nodeType))
        #expect(
            Self.tree.levelType == .enumeration(name: "org level", values: ["oilfield", "plant", "work_area", "team"]))
    }

    @Test func aNameTheTreeLacksIsAnErrorAtRunTimeNotANull() throws {
        for text in [
            "level(case.team)", "parent(case.team)", "title(case.team)", "ancestors(case.team)",
            "ancestor_at(case.team, 'plant')",
        ] {
            let error = try #require(throws: EvaluationError.self) { try Self.evaluate(text, team: "station_9") }
            #expect(error.code == "org-node")
            #expect(error.message == "'station_9' is not a node of the org tree")
        }
        let error = try #require(throws: EvaluationError.self) {
            try Self.evaluate("within(case.station, case.team)", team: "nowhere")
        }
        #expect(error.message == "'nowhere' is not a node of the org tree")
        // A level read from data that is no level of the tree: an error too, never a null.
        let level = try #require(throws: EvaluationError.self) {
            try Self.evaluate("ancestor_at(case.station, case.team)", team: "depot")
        }
        #expect(level.code == "org-level")
        #expect(level.message == "'depot' is not a level of the org tree")
    }

    @Test func mistakesAreDiagnosedWhereTheyAreWritten() throws {
        let node = try #require(Self.problem("within(case.station, 'area_2')"))
        #expect(node.code == "org-node")
        #expect(node.message == "'area_2' is not a node of the org tree; did you mean 'area_1'?")
        #expect(node.range == TextRange(offset: 21, length: 8))
        #expect(node.hint == "nodes: field, plant, area_1, station_1, station_2, depot")

        let level = try #require(Self.problem("level(case.station) != 'taem'"))
        #expect(level.code == "enum-value")
        #expect(level.message == "org level has no value 'taem'; did you mean 'team'?")
        #expect(level.range == TextRange(offset: 23, length: 6))
        #expect(level.hint == "values: oilfield, plant, work_area, team")

        let listed = try #require(Self.problem("level(case.station) in ['team', 'plnat']"))
        #expect(listed.message == "org level has no value 'plnat'; did you mean 'plant'?")

        let among = try #require(Self.problem("'plnat' in ancestors(case.station)"))
        #expect(among.message == "org node has no value 'plnat'; did you mean 'plant'?")
        #expect(among.range == TextRange(offset: 0, length: 7))

        let type = try #require(Self.problem("level(case.department)"))
        #expect(type.code == "type")
        #expect(type.message == "level() takes an org node or a node's name (a string), not enum department")

        let nullable = try #require(Self.problem("title(case.other)"))
        #expect(nullable.code == "nullable")
        #expect(nullable.message == "case.other may be null; handle it with ?? or has(case.other)")

        let parentOfParent = try #require(Self.problem("parent(parent(case.station))"))
        #expect(parentOfParent.code == "nullable")

        let levelName = try #require(Self.problem("ancestor_at(case.station, 'plnat')"))
        #expect(levelName.code == "enum-value")
        #expect(levelName.message == "org level has no value 'plnat'; did you mean 'plant'?")
        #expect(levelName.range == TextRange(offset: 26, length: 7))

        let levelType = try #require(Self.problem("ancestor_at(case.station, case.department)"))
        #expect(levelType.code == "type")
        #expect(
            levelType.message
                == "ancestor_at() takes an org level (a string) as its second argument, not enum department")

        let nodeAbove = try #require(Self.problem("title(ancestor_at(case.station, 'plant'))"))
        #expect(nodeAbove.code == "nullable")

        let arity = try #require(Self.problem("within(case.station)"))
        #expect(arity.message == "within() takes 2 arguments, not 1")

        let noTree = try #require(Self.problem("level(case.team)", org: nil))
        #expect(noTree.code == "no-org")
        #expect(noTree.message == "level() reads the unit's org tree, and no unit's tree is known here")
        #expect(noTree.range == TextRange(offset: 0, length: 5))
    }

    @Test func aLevelGivenWhereAnotherEnumIsExpectedNamesTheValuesItLacks() throws {
        let narrow = ValueType.enumeration(name: "level", values: ["plant", "work_area", "team"])
        let error = try #require(throws: ExpressionProblem.self) {
            try Compiler.compile("level(case.station)", in: Self.environment(), expecting: narrow)
        }
        #expect(
            error.message
                == "the expression must be enum level, not enum org level, which may also be 'oilfield', not a value of level"
        )
    }
}
