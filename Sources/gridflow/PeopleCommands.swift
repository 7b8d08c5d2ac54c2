import ArgumentParser
import Foundation
import GridflowExpressions
import GridflowRuntime

/// `gridflow people`: a unit's directory of people, who act with the roles it gives them.
struct PeopleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people",
        abstract: "Import and list the people of a unit: who may act, in which roles.",
        subcommands: [PeopleImport.self, PeopleList.self])
}

struct PeopleImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add or update people from a JSON array of person objects (the unit's person fields), all or none.")

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "A JSON file: [{\"id\": …, \"name\": …, \"roles\": […], …}, …].") var file: String
    @Flag(help: "Remove the people of the unit who are not in the file.") var replace = false
    @OptionGroup var options: StoreOptions

    func run() throws {
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw CommandError(message: "cannot read \(file)")
        }
        let located: LocatedJSON
        do { located = try JSONReader.readLocated(contents) } catch {
            throw CommandError(message: "\(file):\(error.line):\(error.column): not valid JSON: \(error.message)")
        }
        // The file is checked before a store is created: an invalid one leaves no store behind.
        let existing = try options.storeIfPresent()
        // People are checked against the definitions cases will run on: those deployed, or the
        // working tree's, which the import then deploys into a store that has none.
        let tree =
            WorkingTree.exists(unit: unit, root: options.root)
            ? try WorkingTree.load(unit: unit, root: options.root) : nil
        let program: Program
        if let existing {
            program = try options.deployedProgram(unit: unit, store: existing, use: .directory, tree: tree)
        } else if let tree {
            program = tree.program
        } else {
            throw CommandError(message: "no unit '\(unit)' in \(options.root)")
        }
        let outcome: Result<CheckedPeople, PeopleFailure>
        if let existing {
            outcome = try gridflow.run { () throws(EngineError) in
                try Engine(program: program, store: existing).checkPeople(
                    located.value, place: located.place, replacing: replace)
            }
        } else {
            outcome = PeopleChecker(program: program, existing: []).check(located.value, place: located.place)
        }
        let checked: CheckedPeople
        switch outcome {
        case .success(let people): checked = people
        case .failure(let failure):
            for problem in failure.problems {
                let place = problem.offset.map { located.location(ofOffset: $0) }
                FileHandleOutput.standardError(
                    "\(file):" + (place.map { "\($0.line):\($0.column): " } ?? " ") + problem.text + "\n")
            }
            let count = failure.problems.count
            throw CommandError(
                message: "\(file): \(count) problem\(count == 1 ? "" : "s"); nothing was imported", status: 1)
        }
        let store = try existing ?? options.storeCreatingIfMissing()
        let engine = Engine(program: program, store: store, catalog: DeploymentCatalog(store: store, known: [program]))
        let count: Int
        do {
            count = try engine.importPeople(checked, replacing: replace)
        } catch {
            throw CommandError(
                message: "\(file): \(error.message); nothing was imported", status: error.code == .store ? 2 : 1)
        }
        if options.json {
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "unit": .string(unit), "imported": .number(Number(count)), "replaced": .bool(replace),
                ]) + "\n")
            return
        }
        FileHandleOutput.standardOutput(
            "imported \(count) \(count == 1 ? "person" : "people") into \(unit)\(replace ? " (directory replaced)" : "")\n"
        )
    }
}

struct PeopleList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a unit's people and roles.")

    @Argument(help: "The unit.") var unit: String
    @Option(help: "Only people holding this role.") var role: String?
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let engine = try options.engine(unit: unit, store: store, use: .reading)
        let now = try options.instant()
        var people: [(person: StoredPerson, roles: [String])] = []
        do {
            let appointed = try engine.appointments()
            for person in try store.people(unit: unit) {
                // The roles the directory gives, those the unit's held_by rules derive and those cases appointed.
                let actor = try engine.actor(person, roles: [], now: now, appointed: appointed[person.id] ?? [])
                people.append((person, actor.roles.sorted()))
            }
        } catch let error as EngineError {
            throw CommandError(message: error.message)
        } catch let error as StoreError {
            throw CommandError(message: error.message)
        }
        if let role { people = people.filter { $0.roles.contains(role) } }
        if options.json {
            // Each person's id, every role they hold (as the text lists them) and their record.
            let rows = people.map {
                "{\"id\":" + ValueJSON.encode(Value.string($0.person.id)) + ",\"roles\":"
                    + ValueJSON.encode(Value.list($0.roles.map(Value.string))) + ",\"record\":" + $0.person.recordJSON
                    + "}"
            }
            FileHandleOutput.standardOutput("[" + rows.joined(separator: ",") + "]\n")
            return
        }
        for (person, roles) in people {
            FileHandleOutput.standardOutput("\(person.id)  \(roles.joined(separator: ", "))\n")
        }
        FileHandleOutput.standardOutput("\(people.count) \(people.count == 1 ? "person" : "people")\n")
    }
}
