import CRMDomain
import CRMPostgres

/// The `as_of` day of the batch operations (expiry, level evaluation, the warning list): a date of
/// the merchant's calendar, read once and checked the same way everywhere.
struct AsOfDate {
    let text: String
    let date: (year: Int64, month: Int64, day: Int64)
    /// The first instant after that local day, in UTC seconds.
    let end: Int64

    init(_ text: String, offsetMinutes: Int) throws(StorageError) {
        guard let date = CivilTime.date(text) else {
            throw StorageError.invalid(field: "as_of", reason: .badDate, message: "as_of must be a date YYYY-MM-DD")
        }
        self.text = text
        self.date = date
        self.end = CivilTime.endOfDay(date, offsetMinutes: offsetMinutes)
    }

    /// Refuses a day that has not begun by the database's clock: expiring or lowering levels as of
    /// it would take what members still hold.
    func requireStarted(_ pool: PostgresPool, offsetMinutes: Int) async throws {
        let now: Int64 = try await pool.withConnection { c in try c.nowSeconds() }
        let today = CivilTime.localDate(now, offsetMinutes: offsetMinutes)
        guard end <= CivilTime.endOfDay(today, offsetMinutes: offsetMinutes) else {
            throw StorageError.invalid(
                field: "as_of", reason: .asOfInFuture,
                message: "as_of \(text) is after today (\(CivilTime.localDateText(now, offsetMinutes: offsetMinutes)))")
        }
    }
}
