import Foundation
import GridflowDefinitions
import Testing

/// Every rule set a shipped unit carries is consulted by something: a transition's `decide`, a
/// role's `eligibility` or an appraisal package's `rewards`. A table nothing names says what no
/// run ever does (the oilfield's rewards and the telecom's bonus points once were such).
@Suite struct ShippedRuleSetsTests {
    @Test func everyRuleSetOfAShippedUnitIsConsulted() throws {
        let loaded = RightsMatrixTests.loaded
        #expect(!RightsMatrixTests.units.isEmpty)
        for unitName in RightsMatrixTests.units {
            let definitions = try #require(loaded.units[unitName])
            var named = Set<String>()
            for workflow in definitions.workflows {
                for transition in workflow.transitions { named.formUnion(transition.decide.map(\.rules.text)) }
            }
            for role in definitions.unit.roles { if let rules = role.eligibility { named.insert(rules.text) } }
            for appraisal in definitions.appraisals {
                for package in appraisal.packages {
                    if let rewards = package.rewards { named.insert(rewards.rules.text) }
                }
            }
            let tables =
                definitions.decisionTables.map(\.name.text) + definitions.routingTables.map(\.name.text)
                + definitions.eligibilities.map(\.name.text)
            for table in tables {
                #expect(named.contains(table), "\(unitName): rule set '\(table)' is consulted by nothing")
            }
        }
    }

    /// The appraisals' rewards come from the units' tables, as their YAML says.
    @Test func theAppraisalsNameTheirRewardTables() throws {
        let loaded = RightsMatrixTests.loaded
        for (unit, table) in [("oilfield", "grid_member_rewards"), ("telecom", "performance_bonus")] {
            let appraisals = try #require(loaded.units[unit]).appraisals
            let packages = appraisals.flatMap(\.packages)
            #expect(!packages.isEmpty, "\(unit)")
            for package in packages { #expect(package.rewards?.rules.text == table, "\(unit)") }
        }
    }
}
