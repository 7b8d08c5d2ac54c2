import Foundation
import GridflowExpressions

extension Unit {
    /// The unit's working calendar for evaluating expressions: working weekdays, holidays,
    /// make-up days and the time zone (UTC when the unit names none).
    public var workCalendar: WorkCalendar {
        let weekdays = Set(
            (calendar.workingDays ?? [.mon, .tue, .wed, .thu, .fri]).map { day in
                (Weekday.allCases.firstIndex(of: day) ?? 0) + 1
            })
        let zone = timezone.flatMap { Zone(identifier: $0.text) } ?? .utc
        return WorkCalendar(
            workingWeekdays: weekdays, holidays: Set(calendar.holidays),
            extraWorkingDays: Set(calendar.extraWorkingDays),
            zone: zone)
    }

}
