import GridflowExpressions
import GridflowRuntime
import Testing

/// When an appointment counts: from when it was made until it ended.
@Suite struct AppointmentTests {
    let made = Instant(seconds: 1_000_000)

    func appointment(endedAt end: Int? = nil) -> StoredAppointment {
        StoredAppointment(
            role: "grid_member", person: "wang", node: "team_a", shift: nil, caseID: "u-selection-1", at: made,
            end: end.map { AppointmentEnd(at: Instant(seconds: $0), reason: "term_end", source: "u-departure-1") })
    }

    @Test func anAppointmentIsHeldFromWhenItWasMadeUntilItEnds() {
        #expect(appointment().lasts(at: made))
        #expect(appointment().lasts(at: Instant(seconds: 2_000_000)))
        // Made after the instant (a period's end): not held then, so not appraised for it.
        #expect(!appointment().lasts(at: Instant(seconds: 999_999)))
        #expect(appointment(endedAt: 1_500_000).lasts(at: Instant(seconds: 1_499_999)))
        #expect(!appointment(endedAt: 1_500_000).lasts(at: Instant(seconds: 1_500_000)))
    }
}
