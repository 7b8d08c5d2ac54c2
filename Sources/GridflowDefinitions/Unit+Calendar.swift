import Foundation
import GridflowExpressions

extension Unit {
    /// The unit's working calendar for evaluating expressions: working weekdays, holidays,
    /// make-up days and the time zone's current offset from UTC.
    public var workCalendar: WorkCalendar {
        let weekdays = Set(
            (calendar.workingDays ?? [.mon, .tue, .wed, .thu, .fri]).map { day in
                (Weekday.allCases.firstIndex(of: day) ?? 0) + 1
            })
        let zone = timezone.flatMap { TimeZone(identifier: $0.text) } ?? TimeZone(identifier: "UTC")!
        return WorkCalendar(
            workingWeekdays: weekdays, holidays: Set(calendar.holidays),
            extraWorkingDays: Set(calendar.extraWorkingDays),
            utcOffset: zone.secondsFromGMT())
    }
}
