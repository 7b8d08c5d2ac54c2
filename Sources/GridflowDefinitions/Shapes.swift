/// The shapes of every definition kind (see `Shape`).
public enum Shapes {
    /// The kinds a file may declare, with the shape of each.
    public static let kinds: [(kind: DefinitionKind, shape: ObjectShape)] = [
        (.unit, unit), (.workflow, workflow), (.decisionTable, decisionTable), (.routingTable, routingTable),
        (.eligibility, eligibility), (.appraisal, appraisal), (.coverage, coverage), (.fileSpace, fileSpace),
        (.report, report), (.demo, demo),
        (.scenario, scenario),
    ]

    /// The shape of a kind's file.
    public static func shape(of kind: DefinitionKind) -> ObjectShape {
        kinds.first { $0.kind == kind }!.shape
    }

    /// Named shapes that refer to themselves or are shared.
    public static func definition(_ name: String) -> ObjectShape? {
        switch name {
        case "field": field
        case "fact": fact
        case "personField": personField
        case "orgNode": orgNode
        case "effect": effect
        default: nil
        }
    }

    /// Every named shape, for `$defs` in the JSON Schemas.
    public static let definitionNames = ["field", "personField", "fact", "orgNode", "effect"]

    static let fieldTypes = [
        "string", "text", "decimal", "integer", "bool", "date", "datetime", "duration", "enum", "list", "map",
        "record", "person", "attachment", "department", "org_node",
    ]
    static let names: Shape = .either([.identifier, .list(.identifier)])
    static let cell: Shape = .either([.scalar, .list(.scalar)])

    static func header(_ kind: DefinitionKind, unitKey: Bool = true) -> [ObjectShape.Key] {
        var keys = [
            required("kind", .keyword([kind.rawValue]), "The kind of definition: `\(kind.rawValue)`."),
            required("schema", .integer, "The definitions schema version; `1`."),
        ]
        if unitKey { keys.append(key("unit", .identifier, "The unit; must match the folder.")) }
        keys += [
            required("name", .identifier, "The definition's name."),
            key("title", .text, "A label shown to people."),
            key("description", .text, "Free text."),
        ]
        return keys
    }

    static let fieldKeys: [ObjectShape.Key] = [
        required("type", .keyword(fieldTypes), "The value type."),
        key("title", .text, "A label shown to people."),
        key("description", .text, "Free text."),
        key("required", .bool, "The value must be present."),
        key("values", .list(.identifier), "For `enum`: the allowed values."),
        key("titles", .map(entity: "value", .text), "For `enum`: labels of the values."),
        key(
            "of", .either([.identifier, .ref("field")]), "For `enum`: a unit enum; for `list`/`map`: the element type."),
        key("key", .keyword(["string", "integer"]), "For `map`: the key type."),
        key("fields", .map(entity: "field", .ref("field")), "For `record`: its fields."),
        key("visible_to", .list(.identifier), "Roles that may see the value."),
        key(
            "visible_when", .expression,
            "For a workflow's field: over `case`, when `visible_to` may see the value; otherwise nobody does."),
        key(
            "opener", .bool,
            "For a workflow's person field: it names who opens the case, so the opener is as restricted as the field."
        ),
    ]

    static let field = ObjectShape("a field", plural: "fields", fieldKeys)

    static let personField = ObjectShape(
        "a person field", plural: "person fields",
        fieldKeys + [
            key(
                "default", .any,
                "The value of a person whose record leaves the field out (in an import, a scenario, an older directory entry); it must fit the field's type."
            )
        ])
    static let fieldOrType: Shape = .either([.keyword(fieldTypes), .ref("field")])

    static let fact = ObjectShape(
        "a fact", plural: "facts",
        fieldKeys + [
            key("source", .keyword(["store", "import"]), "Derived from cases (`store`) or imported from CSV."),
            key(
                "from",
                .object(
                    ObjectShape(
                        "a fact query", plural: "fact queries",
                        exclusive: [
                            ["workflow", "files"], ["files", "person"], ["files", "where"], ["files", "sum"],
                        ],
                        oneRequired: [["workflow", "files"]],
                        [
                            key("workflow", .identifier, "The workflow whose cases opened in the period count."),
                            key(
                                "files", .identifier,
                                "Instead of `workflow`: a folder of the unit's `FileSpace`s; the files each person uploaded into it in the period (and has not deleted) count."
                            ),
                            key(
                                "person", .expression,
                                "With `workflow`, required: over `case`, the id (or list of ids) of the person a case counts for."
                            ),
                            key("where", .expression, "Over `case`: only cases where this holds count."),
                            key("sum", .expression, "Over `case`: add this up instead of counting cases."),
                        ])), "For `store` facts: how the fact is counted from cases."),
            key("default", .number, "For `import` facts: the value of a person with none imported."),
            key("min", .number, "For `import` facts: the least value a person may have; a smaller one is refused."),
            key("max", .number, "For `import` facts: the greatest value a person may have; a larger one is refused."),
        ])

    static let orgNode = ObjectShape(
        "an org node", plural: "org nodes",
        [
            required("name", .identifier, "The node's name, unique in the unit."),
            key("title", .text, "A label shown to people."),
            key("level", .identifier, "The org level; defaults to the level at this depth."),
            key("shifts", .list(.identifier), "The shifts this node works."),
            key("children", .list(.ref("orgNode")), "The nodes below."),
        ])

    static let effect = ObjectShape(
        "an effect", plural: "effects", exclusive: [effectKinds], oneRequired: [effectKinds],
        [
            key("when", .expression, "Perform the effect only when this holds."),
            key(
                "open",
                .object(
                    ObjectShape(
                        "an 'open' effect", plural: "'open' effects",
                        [
                            required("workflow", .identifier, "A workflow of the unit."),
                            key("with", .map(entity: "field", .expression), "Field values of the new case."),
                        ])), "Open a case of another workflow."),
            key(
                "notify",
                .object(
                    ObjectShape(
                        "a 'notify' effect", plural: "'notify' effects",
                        [
                            required("role", .identifier, "The role to notify."),
                            key("message", .text, "The message."),
                        ])), "Notify the holders of a role."),
            key(
                "signal",
                .object(
                    ObjectShape(
                        "a 'signal' effect", plural: "'signal' effects",
                        [
                            required("case", .expression, "The case to signal."),
                            required("event", .identifier, "The event sent."),
                        ])), "Send an event to another case."),
            key(
                "record",
                .object(
                    ObjectShape(
                        "a 'record' effect", plural: "'record' effects",
                        [
                            required("ledger", .identifier, "The ledger's name."),
                            required("value", .expression, "The value recorded."),
                        ])), "Add an entry to a named ledger."),
            key(
                "commend",
                .object(
                    ObjectShape(
                        "a 'commend' effect", plural: "'commend' effects",
                        [
                            required("list", .identifier, "The commendation list."),
                            key("title", .text, "A label shown to people."),
                        ])), "Put the person on a commendation list."),
            key(
                "appoint",
                .object(
                    ObjectShape(
                        "an 'appoint' effect", plural: "'appoint' effects",
                        [
                            required("role", .identifier, "The role given."),
                            required("person", .expression, "Who is appointed."),
                            key("at", .expression, "The org node the role is held at (its name)."),
                            key("shift", .expression, "The shift the role covers at that node (its name)."),
                        ])), "Appoint a person to a role, e.g. at the end of a selection."),
            key(
                "end_appointment",
                .object(
                    ObjectShape(
                        "an 'end_appointment' effect", plural: "'end_appointment' effects",
                        [
                            required("role", .identifier, "The role whose appointments end."),
                            required("person", .expression, "Whose appointments end: a person record or id."),
                            key("at", .expression, "Only the appointment at this org node (its name); none: all."),
                            required(
                                "reason", .expression,
                                "Why: removal, term_end or resignation, or an expression giving one of them."),
                        ])),
                "End a person's appointments to a role (removal, term end, resignation); they keep their history."),
        ])

    static let effectKinds = ["open", "notify", "signal", "record", "commend", "appoint", "end_appointment"]

    // MARK: Unit

    static let unit = ObjectShape(
        "a unit", plural: "units",
        header(.unit, unitKey: false) + [
            key("extends", .identifier, "An abstract unit this unit inherits from."),
            key("abstract", .bool, "A group-level base that only other units extend."),
            key("timezone", .text, "IANA time zone, e.g. Asia/Shanghai."),
            key(
                "locale", .text,
                "The language of the unit's pages, a BCP 47 tag such as zh-CN or en; inherited from the base unit."),
            key(
                "administrator", .identifier,
                "The role whose holders administer the unit through the daemon (deploy, roll back, migrate, retry incidents with a token issued with --admin); inherited from the base unit."
            ),
            key(
                "calendar",
                .object(
                    ObjectShape(
                        "a calendar", plural: "calendars",
                        [
                            key(
                                "working_days", .list(.keyword(Weekday.allCases.map(\.rawValue))),
                                "Days of the week that are working days."),
                            key("holidays", .list(.date), "Dates that are not working days."),
                            key("extra_working_days", .list(.date), "Weekend dates that are working days."),
                            key(
                                "remove_holidays", .list(.date),
                                "Holidays of the base unit that are working days here (a unit that extends a base)."),
                            key(
                                "remove_extra_working_days", .list(.date),
                                "Make-up working days of the base unit that are not working days here."),
                        ])), "The working calendar."),
            key(
                "org",
                .object(
                    ObjectShape(
                        "an org", plural: "orgs",
                        [
                            required(
                                "levels",
                                .list(
                                    .object(
                                        ObjectShape(
                                            "an org level", plural: "org levels",
                                            [
                                                required("name", .identifier, "The level's name."),
                                                key("title", .text, "A label shown to people."),
                                            ]))), "The named levels, from the top down."),
                            key("shifts", .list(.identifier), "The shifts teams may work."),
                            key("tree", .ref("orgNode"), "The root org node."),
                        ])), "The organisation tree."),
            key(
                "enums",
                .map(
                    entity: "enum",
                    .object(
                        ObjectShape(
                            "an enum", plural: "enums",
                            [
                                key("title", .text, "A label shown to people."),
                                required("values", .list(.identifier), "The values."),
                                key("titles", .map(entity: "value", .text), "Labels of the values."),
                            ]))), "Named vocabularies."),
            key(
                "departments",
                .map(
                    entity: "department",
                    .object(
                        ObjectShape(
                            "a department", plural: "departments",
                            [
                                key("title", .text, "A label shown to people."),
                                key("level", .identifier, "The org level it sits at."),
                                key("description", .text, "Free text."),
                            ]))), "The departments."),
            key(
                "roles",
                .map(
                    entity: "role",
                    .object(
                        ObjectShape(
                            "a role", plural: "roles",
                            [
                                key("title", .text, "A label shown to people."),
                                key("scope", .identifier, "The org level a holder is appointed at."),
                                key("department", .identifier, "The department the role belongs to."),
                                key("held_by", .expression, "Who may hold the role, over `person`."),
                                key("eligibility", .identifier, "An Eligibility rule set for selection."),
                                key("description", .text, "Free text."),
                            ]))), "The roles and who may hold them."),
            key(
                "limits",
                .object(
                    ObjectShape(
                        "limits", plural: "limits",
                        [
                            key(
                                "expression_cost", .integer,
                                "Ceiling on an expression's estimated cost (default 1000000)."),
                            key("list_length", .integer, "List length assumed when estimating cost (default 1000)."),
                        ])), "Bounds on expressions."),
            key(
                "people",
                .object(
                    ObjectShape(
                        "a people section", plural: "people sections",
                        [
                            required(
                                "fields", .map(entity: "field", .either([.keyword(fieldTypes), .ref("personField")])),
                                "Every person's attributes.")
                        ])),
                "The attributes of people."),
            key(
                "webhooks",
                .map(
                    entity: "webhook",
                    .object(
                        ObjectShape(
                            "a webhook", plural: "webhooks",
                            [
                                required(
                                    "url", .text,
                                    "The http or https URL the daemon posts each notification to, as JSON."),
                                required(
                                    "secret_env", .text,
                                    "The environment variable of the daemon that holds the HMAC-SHA256 signing key (never the key itself)."
                                ),
                                key("roles", .list(.identifier), "Only notifications to these roles; none: all."),
                                key(
                                    "attempts", .integer,
                                    "How many times a delivery is tried before it fails as an incident (1 to 20, default 6)."
                                ),
                                key(
                                    "backoff",
                                    .positiveDuration(why: "retrying at once would hammer a failing endpoint"),
                                    "The wait before the second try, doubled before each next one (default 30s; at most 1h between tries)."
                                ),
                            ]))),
                "Where the daemon posts the unit's notifications (enterprise messaging bots)."),
        ])

    // MARK: Workflow

    static let timer = ObjectShape(
        "a timer", plural: "timers", exclusive: [["after", "at"]], oneRequired: [["after", "at"]],
        [
            key("name", .identifier, "The timer's name."),
            key("title", .text, "A label shown to people."),
            key(
                "after",
                .calendarDuration(
                    why: "a timer of 0 would fire as the state is entered; a transition taken at once needs no timer"),
                "Fire this long after entering the state; a period (1mo, 1y) moves the local date by calendar months."),
            key("at", .expression, "Fire at this date or datetime."),
            required("event", .identifier, "The event sent when it fires."),
        ])

    static let state = ObjectShape(
        "a state", plural: "states",
        [
            key("title", .text, "A label shown to people."),
            key("description", .text, "Free text."),
            key("initial", .bool, "The state a case opens in; exactly one."),
            key("final", .bool, "The case ends here."),
            key(
                "task",
                .object(
                    ObjectShape(
                        "a task", plural: "tasks", exclusive: [["role", "person"]], oneRequired: [["role", "person"]],
                        [
                            required("title", .text, "What is to be done."),
                            key("role", .identifier, "The role assigned."),
                            key("person", .identifier, "A person field whose holder is assigned instead."),
                            key(
                                "due",
                                .positiveDuration(
                                    why: "a task due as soon as it is given is overdue at once; give it time, e.g. 3wd"),
                                "When it is due, from entering the state."),
                            key("description", .text, "Free text."),
                        ])), "A human task while the case is here."),
            key("timers", .list(.object(timer)), "Timers started on entering the state."),
        ])

    static let transition = ObjectShape(
        "a transition", plural: "transitions",
        [
            key("title", .text, "A label shown to people."),
            key("description", .text, "Free text."),
            key("on", .identifier, "The event; defaults to the transition's name."),
            required("from", .either([.keyword(["*"]), .identifier, .list(.identifier)]), "Source state(s)."),
            required("to", .identifier, "Target state."),
            key("role", names, "Role(s) that may fire it; `system` for the engine."),
            key("person", .identifier, "A person field whose holder may fire it."),
            key("guard", .expression, "A condition that must hold."),
            key("input", .list(.identifier), "Case fields the actor supplies."),
            key("set", .map(entity: "field", .expression), "Fields computed on the way."),
            key(
                "decide",
                .list(
                    .object(
                        ObjectShape(
                            "a decision", plural: "decisions",
                            [
                                required("rules", .identifier, "A rule set of the unit."),
                                key("input", .map(entity: "input", .expression), "Inputs of the rule set."),
                                key("assign", .map(entity: "field", .identifier), "Case field ← rule output."),
                            ]))), "Rule sets consulted."),
            key("effects", .list(.ref("effect")), "Effects performed."),
        ])

    static let workflow = ObjectShape(
        "a workflow", plural: "workflows",
        header(.workflow) + [
            key("started_by", names, "Roles that may open a case."),
            key(
                "place", .expression,
                "Over `case`: the org node the case concerns (its name, or null for the root). A role with a `scope` acts only on cases at or below the node its holder holds it at."
            ),
            key(
                "rank",
                .object(
                    ObjectShape(
                        "a rank", plural: "ranks",
                        [
                            required(
                                "by", .expression,
                                "Over `case`: the value open cases are ordered by, a number, date, datetime or string; it may read no restricted field."
                            ),
                            required(
                                "order", .keyword(["descending", "ascending"]),
                                "`descending`: the greatest value first; `ascending`: the least first. A case whose value is null comes last either way."
                            ),
                        ])),
                "How a reviewer sees the workflow's open cases ordered (`gridflow case list`): best first."),
            key("fields", .map(entity: "field", fieldOrType), "The typed case fields."),
            required("states", .map(entity: "state", .object(state)), "The states."),
            required("transitions", .map(entity: "transition", .object(transition)), "The transitions."),
        ])

    // MARK: Rules

    static let decisionTable = ObjectShape(
        "a decision table", plural: "decision tables",
        header(.decisionTable) + [
            required("hit", .keyword(HitPolicy.allCases.map(\.rawValue)), "The hit policy."),
            required("inputs", .map(entity: "input", fieldOrType), "The inputs."),
            required("outputs", .map(entity: "output", fieldOrType), "The outputs."),
            required(
                "rules",
                .list(
                    .object(
                        ObjectShape(
                            "a decision rule", plural: "decision rules",
                            [
                                key("when", .map(entity: "input", cell), "Input cells; absent means any."),
                                required("then", .map(entity: "output", .scalar), "Output values."),
                                key("note", .text, "Free text."),
                            ]))), "The rows."),
        ])

    static let routingTable = ObjectShape(
        "a routing table", plural: "routing tables",
        header(.routingTable) + [
            required("hit", .keyword([HitPolicy.unique.rawValue, HitPolicy.first.rawValue]), "The hit policy."),
            required("inputs", .map(entity: "input", fieldOrType), "The inputs."),
            required(
                "routes",
                .list(
                    .object(
                        ObjectShape(
                            "a route", plural: "routes",
                            [
                                key("when", .map(entity: "input", cell), "Input cells; absent means any."),
                                required("department", .identifier, "The responsible department."),
                                required(
                                    "deadline",
                                    .positiveDuration(
                                        why: "a deadline of 0 is missed as soon as the case is routed; e.g. 5wd"),
                                    "The deadline for an answer."),
                                key("role", .identifier, "The role that claims the case."),
                                key("note", .text, "Free text."),
                            ]))), "The routes."),
        ])

    static let eligibilityRule = ObjectShape(
        "an eligibility rule", plural: "eligibility rules",
        [
            required("name", .identifier, "The rule's name."),
            key("title", .text, "A label shown to people."),
            required("when", .expression, "The condition."),
            required("reason", .text, "Why, recorded on the case."),
            key("points", .number, "For `prefer`: points added (default 1)."),
        ])

    static let eligibility = ObjectShape(
        "an eligibility rule set", plural: "eligibility rule sets",
        header(.eligibility) + [
            key("role", .identifier, "The role it selects for."),
            key("inputs", .map(entity: "input", fieldOrType), "Inputs besides `person`."),
            key("exclude", .list(.object(eligibilityRule)), "Any match excludes."),
            key("require", .list(.object(eligibilityRule)), "Every one must hold."),
            key("prefer", .list(.object(eligibilityRule)), "Each match adds points."),
        ])

    static let pointItem = ObjectShape(
        "a bonus or deduction item", plural: "bonus or deduction items",
        [
            required("name", .identifier, "The item's name."),
            key("title", .text, "A label shown to people."),
            required("points", .number, "Points for each unit of `per`."),
            key("per", .expression, "How many units; 1 when absent."),
            key("max", .number, "Cap on the item's points."),
        ])

    static let cap = ObjectShape(
        "a cap over items", plural: "caps over items",
        [
            required("name", .identifier, "The cap's name."),
            key("title", .text, "A label shown to people."),
            required(
                "items", .list(.identifier),
                "The bonus items, or the deduction items, it caps together; an item is in one cap at most."),
            required("max", .number, "The most the items' points add up to, after each item's own `max`; above 0."),
        ])

    static let veto = ObjectShape(
        "a veto item", plural: "veto items",
        [
            required("name", .identifier, "The veto's name."),
            key("title", .text, "A label shown to people."),
            required("when", .expression, "The condition, over `facts` and `person`, as bonus and deduction `per`."),
            required("grade", .identifier, "The grade given when it holds, whatever the total: one of the bands."),
        ])

    static let package = ObjectShape(
        "an appraisal package", plural: "appraisal packages",
        [
            key("title", .text, "A label shown to people."),
            required(
                "dimensions",
                .list(
                    .object(
                        ObjectShape(
                            "a dimension", plural: "dimensions",
                            [
                                required("name", .identifier, "The dimension's name."),
                                key("title", .text, "A label shown to people."),
                                required("weight", .number, "Its weight; weights sum to 1."),
                                required("score", .expression, "Its score, 0 to 100."),
                            ]))), "The weighted dimensions."),
            key("bonus", .list(.object(pointItem)), "Bonus items."),
            key("deductions", .list(.object(pointItem)), "Deduction items."),
            key(
                "caps", .list(.object(cap)),
                "Caps over groups of bonus items or of deduction items: the group's points together at most `max`."),
            key(
                "vetoes", .list(.object(veto)),
                "Veto items (一票否决): the first, in the order written, whose `when` holds sets the grade whatever the total."
            ),
            required(
                "grades",
                .list(
                    .object(
                        ObjectShape(
                            "a grade band", plural: "grade bands",
                            [
                                required("grade", .identifier, "The grade."),
                                key("min", .number, "The lowest total in the band; none for the last."),
                                key("title", .text, "A label shown to people."),
                            ]))), "Grade bands from the highest down."),
            key(
                "rewards",
                .object(
                    ObjectShape(
                        "a rewards table", plural: "rewards tables",
                        [
                            required("rules", .identifier, "A decision table of the unit."),
                            key(
                                "input", .map(entity: "input", .expression),
                                "Its inputs, over the facts, person, score, grade, period and veto."),
                        ])),
                "A decision table consulted once the grade is known; the consequences read its outputs as `rewards.NAME`."
            ),
            key("consequences", .map(entity: "grade", .list(.ref("effect"))), "Effects per grade."),
        ])

    static let appraisal = ObjectShape(
        "an appraisal", plural: "appraisals",
        header(.appraisal) + [
            required("period", .keyword(AppraisalPeriod.allCases.map(\.rawValue)), "The appraisal period."),
            key(
                "audience", .list(.identifier),
                "The roles the results are for: required, and each a role that may see the field, when a store fact's person, where or sum reads a restricted field of its workflow (visible_to, visible_when or opener); then only people in one of these roles may run it."
            ),
            key("facts", .map(entity: "fact", .ref("fact")), "The facts formulas read."),
            required("packages", .map(entity: "package", .object(package)), "One package per role."),
        ])

    static let report = ObjectShape(
        "a report", plural: "reports",
        header(.report) + [
            required("workflow", .identifier, "The workflow whose cases opened in the period are reported."),
            key("issuer", .text, "The body that issues the bulletin, shown on its page; default the unit's title."),
            key(
                "audience", .list(.identifier),
                "The roles the bulletin is for: required, and each a role that may see the field, when a group or measure reads a restricted field (visible_to, visible_when or opener); then only people in one of these roles may run it."
            ),
            key(
                "groups",
                .list(
                    .object(
                        ObjectShape(
                            "a report group", plural: "report groups",
                            [
                                required("name", .identifier, "The breakdown's name."),
                                key("title", .text, "A label shown to people."),
                                required("by", .expression, "Over `case` and `entered`: the key cases are grouped by."),
                            ]))), "Breakdowns: each gives a table with a row per key."),
            required(
                "measures",
                .list(
                    .object(
                        ObjectShape(
                            "a measure", plural: "measures",
                            [
                                required("name", .identifier, "The measure's name."),
                                key("title", .text, "A label shown to people."),
                                required(
                                    "kind", .keyword(Report.Kind.allCases.map(\.rawValue)),
                                    "count, share (of cases where `value` holds), sum, average, median or p90 of `value`."
                                ),
                                key(
                                    "value", .expression, "The condition (share) or number (sum, average, median, p90)."
                                ),
                                key("where", .expression, "Only cases where this holds count."),
                            ]))), "The figures, overall and per group."),
        ])

    /// A value a demo makes: an expression, a weighted pick of literals, or a random person.
    static let demoValue = Shape.either([
        .expression,
        .object(
            ObjectShape(
                "a generated value", plural: "generated values", exclusive: [["pick", "person"]],
                oneRequired: [["pick", "person"]],
                [
                    key(
                        "pick", .map(entity: Shape.literalEntity, .integer),
                        "Weighted literal values, VALUE: WEIGHT; a value is read as JSON when it can be."),
                    key(
                        "person", .expression, "A random generated person for whom this condition over `person` holds."),
                ])),
    ])

    static let demo = ObjectShape(
        "a demo", plural: "demos",
        header(.demo) + [
            required(
                "year", .integer, "The year simulated: cases open in it, and the clock runs on until they settle."),
            key("seed", .integer, "The random seed; the same demo and seed give the same year."),
            key(
                "person_defaults", .map(entity: "field", demoValue),
                "Person fields every batch gets unless it gives its own."),
            required(
                "people",
                .list(
                    .object(
                        ObjectShape(
                            "a batch of people", plural: "batches of people",
                            [
                                required("id", .identifier, "The id prefix: ids are PREFIX-1, PREFIX-2, …"),
                                key("per", .identifier, "An org level: `count` people per node at this level."),
                                key(
                                    "departments", .list(.identifier),
                                    "`count` people per department too; expressions read `department`."),
                                required("count", .integer, "People per node (and department), times --scale."),
                                key("roles", .list(.identifier), "Directory roles of every person of the batch."),
                                key("name", demoValue, "The person's name; the id when not given."),
                                key("fields", .map(entity: "field", demoValue), "The unit's person fields."),
                            ]))), "The unit's directory, generated per org node."),
            key(
                "open",
                .list(
                    .object(
                        ObjectShape(
                            "an opening", plural: "openings",
                            [
                                required("workflow", .identifier, "The workflow of the cases."),
                                key("per", .identifier, "An org level: `count` cases per node at this level."),
                                required("count", .integer, "Cases (per node), times --scale."),
                                key("from", .date, "The first day cases open; 1 January when not given."),
                                key("to", .date, "The last day cases open; 31 December when not given."),
                                required("by", .identifier, "The role of who opens: a random holder."),
                                key("fields", .map(entity: "field", demoValue), "The case's fields at opening."),
                            ]))), "Cases opened over the year, on working days in working hours."),
            key(
                "steps",
                .map(
                    entity: "workflow",
                    .map(
                        entity: "transition",
                        .object(
                            ObjectShape(
                                "a demo step", plural: "demo steps",
                                [
                                    key(
                                        "weight", .integer,
                                        "How likely, against the other steps possible in the state; 1 when not given."),
                                    key(
                                        "after", .text,
                                        "How soon after the case enters the state: a duration or LOW..HIGH (1h..2wd)."),
                                    key("input", .map(entity: "field", demoValue), "Input field values."),
                                ])))),
                "How people take transitions; one not listed is never taken by a person."),
            key(
                "appraise",
                .object(
                    ObjectShape(
                        "a demo appraisal", plural: "demo appraisals",
                        [
                            key("appraisal", .identifier, "The appraisal, when the unit has several."),
                            key(
                                "facts", .map(entity: "fact", demoValue),
                                "Imported facts per appraised person; expressions read `person` and `roll`."),
                        ])), "Appraise every period of the year, five working days after it ends."),
        ])

    static let coverage = ObjectShape(
        "a coverage rule", plural: "coverage rules",
        header(.coverage) + [
            required("role", .identifier, "The role whose holders cover."),
            required("level", .identifier, "Every org node at this level must be covered."),
            key("per_shift", .bool, "Every shift of the node must be covered."),
        ])

    static let permission: Shape = .either([
        .keyword(Permission.Word.allCases.map(\.rawValue)), .list(.identifier),
    ])

    static let fileSpace = ObjectShape(
        "a file space", plural: "file spaces",
        header(.fileSpace) + [
            required(
                "spaces",
                .list(
                    .object(
                        ObjectShape(
                            "a space", plural: "spaces",
                            [
                                required("name", .identifier, "The space's name, unique in the unit."),
                                key("title", .text, "A label shown to people."),
                                required("members", .identifier, "The role whose holders are the space's group."),
                            ]))), "One space per role group."),
            key("shared_by", .identifier, "The role that shares material into every space (the word `sharer`)."),
            key(
                "maintained_by", .identifier,
                "The role that maintains the folders of every space (the word `maintainer`)."),
            required(
                "folders",
                .list(
                    .either([
                        .identifier,
                        .object(
                            ObjectShape(
                                "a folder", plural: "folders",
                                [
                                    required(
                                        "name", .identifier, "The folder's name: the key its files are filed under."),
                                    key(
                                        "title", .text,
                                        "The folder's title, shown to people in the unit's language; its name when not given."
                                    ),
                                ])),
                    ])),
                "The folders of every space: `{name, title}`, or a name alone (no title)."),
            required(
                "permissions",
                .object(
                    ObjectShape(
                        "permissions", plural: "permissions",
                        FileAction.allCases.map {
                            required(
                                $0.rawValue, permission,
                                $0 == .manageFolders
                                    ? "Who may create, rename and remove folders."
                                    : "Who may \($0.rawValue) a file.")
                        })),
                "Who may do what: everyone, nobody, or a list of members, sharer, maintainer, owner and roles."),
        ])

    // MARK: Scenario

    static let scenarioStep = ObjectShape(
        "a scenario step", plural: "scenario steps",
        exclusive: [["open", "act", "engine_open", "signal", "wait", "appraise", "coverage"]],
        oneRequired: [["open", "act", "engine_open", "signal", "wait", "appraise", "coverage"]],
        [
            key(
                "open",
                .object(
                    ObjectShape(
                        "an 'open' step", plural: "'open' steps",
                        [
                            required("as", .identifier, "Who opens the case (one of the scenario's people)."),
                            key(
                                "workflow", .identifier,
                                "Open a case of this workflow instead of the scenario's; later steps act on it."),
                            key("with", .map(entity: "field", .any), "Field values; \"@NAME\" is a person."),
                        ])), "Open the case."),
            key(
                "act",
                .object(
                    ObjectShape(
                        "an 'act' step", plural: "'act' steps",
                        [
                            required("event", .identifier, "The event."),
                            required("as", .identifier, "Who fires it."),
                            key("with", .map(entity: "field", .any), "Input field values."),
                        ])), "Fire an event."),
            key(
                "engine_open",
                .object(
                    ObjectShape(
                        "an 'engine_open' step", plural: "'engine_open' steps",
                        [key("with", .map(entity: "field", .any), "Field values; \"@NAME\" is a person.")])),
                "The engine opens the case, as another case's `open:` effect does (`started_by: system`)."),
            key(
                "signal", .identifier,
                "The engine delivers this event as a signal from another case: it may take a `role: system` transition."
            ),
            key(
                "wait", .calendarDuration(why: nil),
                "Advance the clock (a period such as 1mo by calendar months); due timers fire and effects run."),
            key(
                "appraise",
                .object(
                    ObjectShape(
                        "an 'appraise' step", plural: "'appraise' steps",
                        [
                            required("period", .text, "The period: \(AppraisalPeriod.forms)."),
                            key("appraisal", .identifier, "The appraisal, when the unit has several."),
                            key(
                                "facts", .map(entity: "person", .map(entity: "fact", .any)),
                                "Imported facts per person: PERSON: {FACT: value}."),
                        ])), "Appraise the scenario's people, as `gridflow appraise` does."),
            key(
                "coverage",
                .object(
                    ObjectShape(
                        "a 'coverage' step", plural: "'coverage' steps",
                        [key("rule", .identifier, "Only this coverage rule.")])),
                "Check the unit's coverage rules, as `gridflow coverage` does."),
            key(
                "expect",
                .object(
                    ObjectShape(
                        "expectations", plural: "expectations",
                        [
                            key("state", .identifier, "The case's state after the step."),
                            key("fields", .map(entity: "field", .any), "Field values after the step."),
                            key(
                                "rejected",
                                .keyword([
                                    "unknown-event", "not-permitted", "guard-false", "invalid-input", "case-finished",
                                ]),
                                "The step is refused for this reason."),
                            key("incident", .text, "The step raises an incident with this code."),
                            key("actions", .list(.identifier), "The events the step's actor may fire afterwards."),
                            key("grades", .map(entity: "person", .identifier), "After appraise: each person's grade."),
                            key("totals", .map(entity: "person", .number), "After appraise: each person's total."),
                            key(
                                "vetoed", .map(entity: "person", .identifier),
                                "After appraise: the veto item that set each person's grade, or `none` when the total did."
                            ),
                            key(
                                "not_appraised", .list(.identifier),
                                "After appraise: people appraised in no role (e.g. their appointment ended)."),
                            key(
                                "recorded", .map(entity: "ledger", .map(entity: "person", .number)),
                                "After appraise: what the step's consequences recorded in each ledger for each person (the sum, 0 when none)."
                            ),
                            key(
                                "cases", .map(entity: "workflow", .number),
                                "How many cases of each workflow the store holds."),
                            key(
                                "gaps", .either([.number, .list(.text)]),
                                "After coverage: the places without a holder (NODE or NODE/SHIFT), or how many."),
                            key(
                                "sees", .map(entity: "person", .list(.identifier)),
                                "Fields each person of `people` sees on the case after the step (as `case show --as` shows them)."
                            ),
                            key(
                                "does_not_see", .map(entity: "person", .list(.identifier)),
                                "Fields hidden from each person of `people` after the step: their value is shown to them nowhere."
                            ),
                        ])), "What must hold after the step."),
        ])

    static let scenario = ObjectShape(
        "a scenario", plural: "scenarios",
        header(.scenario) + [
            required("workflow", .identifier, "The workflow under test."),
            key("start", .text, "The clock at the first step (ISO 8601 with offset)."),
            key(
                "people",
                .map(
                    entity: "person",
                    .object(
                        ObjectShape(
                            "a person", plural: "people",
                            [
                                key("roles", .list(.identifier), "The roles the person holds."),
                                key("fields", .map(entity: "field", .any), "The person's attributes."),
                            ]))), "Who acts or is referenced."),
            required("steps", .list(.object(scenarioStep)), "The steps, in order."),
        ])
}
