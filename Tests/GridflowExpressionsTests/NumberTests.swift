import Testing

@testable import GridflowExpressions

@Suite struct NumberTests {
    func n(_ text: String) -> Number { Number(text)! }

    @Test func parsesAndPrints() {
        #expect(n("0.1").description == "0.1")
        #expect(n("-12.50").description == "-12.5")
        #expect(n("1e3").description == "1000")
        #expect(n("2.5E-2").description == "0.025")
        #expect(n("0.000").description == "0")
        #expect(n("-0.05").description == "-0.05")
        #expect(Number("abc") == nil)
        #expect(Number("1.2.3") == nil)
        #expect(Number("") == nil)
        #expect(Number(String(repeating: "9", count: 39)) == nil)
    }

    @Test func arithmeticIsExact() {
        #expect(n("0.1") + n("0.2") == n("0.3"))
        #expect(n("0.1") * n("3") == n("0.3"))
        #expect(n("2.50") == n("2.5"))
        #expect(n("2.50").hashValue == n("2.5").hashValue)
        #expect(n("1.1") - n("2.2") == n("-1.1"))
        #expect(Number.divide(n("1"), n("3"))!.description == "0.333333333333333333")
        #expect(Number.divide(n("2"), n("3"))!.description == "0.666666666666666667")
        #expect(Number.divide(n("10"), n("4")) == n("2.5"))
        #expect(Number.divide(n("1"), n("0")) == nil)
        #expect(Number.remainder(n("7.5"), n("2")) == n("1.5"))
        #expect(n("3") < n("3.01"))
        #expect(n("-3") < n("-2.99"))
    }

    @Test func roundsHalfAwayFromZero() {
        #expect(n("2.345").rounded(2) == n("2.35"))
        #expect(n("2.344").rounded(2) == n("2.34"))
        #expect(n("-2.345").rounded(2) == n("-2.35"))
        #expect(n("2.5").rounded() == n("3"))
        #expect(n("-2.5").rounded() == n("-3"))
        #expect(n("1.5").floor() == n("1"))
        #expect(n("-1.5").floor() == n("-2"))
        #expect(n("-1.5").ceiling() == n("-1"))
    }

    @Test func largeValuesAreReportedNotWrapped() {
        let big = n("99999999999999999999999999999999999999")
        #expect((big * n("1")).description == big.description)
        #expect(Number.multiplying(n("12345678901234567890"), n("98765432109876543210")) == nil)
        #expect(Number.adding(big, big) == nil)
        #expect(n("1e20") < big)
        #expect(Number.divide(big, n("7"))!.description == "14285714285714285714285714285714285714")
    }

    @Test func tinyProductsRoundToZero() {
        let tiny = n("0.00000000000000000000000000000000000001")
        #expect(Number.multiplying(tiny, tiny) == n("0"))
        #expect(tiny.rounded(2) == n("0"))
    }

    @Test func integersConvert() {
        #expect(n("42").int == 42)
        #expect(n("42.0").int == 42)
        #expect(n("42.5").int == nil)
        #expect(n("42.0").isInteger)
    }
}
