import Testing

@testable import GridflowServer

/// The durations the daemon's log lines carry: milliseconds with two decimals, rounded half up.
struct MillisecondsTests {
    @Test(arguments: [
        (Duration.zero, "0.00"), (.nanoseconds(4_999), "0.00"), (.nanoseconds(5_000), "0.01"),
        (.microseconds(1_234), "1.23"), (.microseconds(1_235), "1.24"), (.microseconds(99_999), "100.00"),
        (.seconds(2), "2000.00"), (.seconds(3) + .microseconds(70), "3000.07"),
    ])
    func durationsAreWrittenWithTwoDecimals(_ duration: Duration, _ text: String) {
        #expect(milliseconds(duration) == text)
    }
}
