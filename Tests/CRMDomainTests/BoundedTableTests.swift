import Testing

@testable import CRMDomain

/// The memory caches' table: bounded, and what is in use survives while the rest is dropped.
@Suite("a bounded table of two generations")
struct BoundedTableTests {
    @Test("never holds more than its capacity, however many entries are stored")
    func bounded() {
        var table = BoundedTable<Int, Int>(capacity: 10)
        for i in 0..<1_000 {
            table.store([(i, i)])
            #expect(table.count <= 10)
        }
        #expect(table.lookup(999) == 999)
        #expect(table.lookup(0) == nil)
    }

    @Test("an entry looked up while others stream past is kept; one not looked up is dropped within two turns")
    func inUseSurvives() {
        var table = BoundedTable<Int, String>(capacity: 8)
        table.store([(-1, "hot"), (-2, "cold")])
        for i in 0..<100 {
            table.store([(i, "\(i)")])
            #expect(table.lookup(-1) == "hot", "after \(i) more")
        }
        #expect(table.lookup(-2) == nil)
    }

    @Test("storing a key again replaces its value in whichever generation it was")
    func replaces() {
        var table = BoundedTable<String, Int>(capacity: 4)
        table.store([("a", 1), ("b", 2), ("c", 3)])
        table.store([("a", 10)])
        #expect(table.lookup("a") == 10)
        #expect(table.count == 3)
    }
}
