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
        #expect(Number.divide(n("1"), n("3"))!.description == "0.33333333333333333333333333333333333333")
        #expect(Number.divide(n("2"), n("3"))!.description == "0.66666666666666666666666666666666666667")
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

    @Test func tinyProductsKeepSeventySixPlaces() {
        let tiny = n("0.00000000000000000000000000000000000001")
        #expect(Number.multiplying(tiny, tiny) == n("1e-76"))
        #expect(Number.multiplying(tiny, n("0.000000000000000000000000000000000000005")) == n("1e-76"))
        #expect(Number.multiplying(tiny, n("0.000000000000000000000000000000000000004")) == .zero)
        #expect(tiny.rounded(2) == n("0"))
    }

    @Test func integersConvert() {
        #expect(n("42").int == 42)
        #expect(n("42.0").int == 42)
        #expect(n("42.5").int == nil)
        #expect(n("42.0").isInteger)
    }

    @Test func parsesExactlyOrRefuses() {
        #expect(n("1.000000000000000000000000000000000000000000") == n("1"))
        #expect(
            n("0.000000000000000000000000000000000000001").description == "0.000000000000000000000000000000000000001")
        #expect(n("1e-76").scale == 76)
        // The places as written are kept where they fit: a value written with a point is a decimal.
        #expect(n("1.0").scale == 1 && n("2.50").scale == 2 && n("0.0").scale == 1 && n("12").scale == 0)
        #expect(n("1.0") == n("1") && n("1.0").hashValue == n("1").hashValue)
        #expect(n("12e36").description == "12000000000000000000000000000000000000")
        #expect(n("0e999999999999") == .zero)
        #expect(Number("1e-77") == nil)
        #expect(Number("1e38") == nil)
        #expect(Number("1.0000000000000000000000000000000000000001") == nil)
        #expect(
            Number.problem(parsing: "1.0000000000000000000000000000000000000001")
                == "has more than 38 significant digits")
        #expect(Number.problem(parsing: "100000000000000000000000000000000000000") == "is 10^38 or more")
        #expect(Number.problem(parsing: "1e-77") == "has more than 76 decimal places")
        #expect(Number.problem(parsing: "1x") == "is not a number")
        #expect(Number.problem(parsing: "1e") == "is not a number")
        #expect(Number.problem(parsing: "12.5") == nil)
    }

    /// The examples of the issue: each one trapped, truncated or overflowed before.
    @Test func roundsOnceToThirtyEightDigits() {
        #expect(n("0.333333333333333333333") * n("3") == n("0.999999999999999999999"))
        #expect(Number.divide(n("1"), n("99999999999999999999999999999999999999")) == n("1e-38"))
        #expect(
            Number.divide(n("281"), n("842970997560595496789460958"))
                == n("3.3334480167545836135399339535566901349e-25"))
        #expect(
            Number.divide(n("20000000000000000000"), n("3"))!.description == "6666666666666666666.6666666666666666667")
        #expect(
            Number.divide(n("1181590830.166131860913"), n("1996030824.628194821993518190"))!.description
                == "0.59197023191574682137735651777525833158")
        let third = Number.divide(n("100"), n("3"))!
        #expect(Number.multiplying(third, third)!.description == "1111.1111111111111111111111111111111111")
        #expect(
            Number.divide(n("2.00000000000000000000"), n("3"))!.description
                == "0.66666666666666666666666666666666666667")
        #expect(Number.adding(n("1.0000000000000000000000000000000000000"), n("10")) == n("11"))
        #expect(
            Number.adding(n("99999999999999999999999999999999999999"), n("0.49"))
                == n("99999999999999999999999999999999999999"))
        #expect(Number.adding(n("99999999999999999999999999999999999999"), n("0.5")) == nil)
        #expect(Number.adding(n("1"), n("1e-76")) == n("1"))
        #expect(Number.subtracting(n("1"), n("1e-76")) == n("1"))
        #expect(
            Number.subtracting(n("1e-38"), n("1e-76"))
                == n("0.0000000000000000000000000000000000000099999999999999999999999999999999999999"))
    }

    @Test func quotientsRoundOnceToFewerPlaces() {
        let a = n("0.099999999999999999999999999999999999999")
        // a / 2 = 0.0499…95 (39 digits): once to one place it is 0.0; rounded to 38 digits first, 0.1.
        #expect(Number.divide(a, n("2"), places: 1) == .zero)
        #expect(Number.divide(a, n("2"))!.rounded(1) == n("0.1"))
        #expect(Number.divide(n("1"), n("4"), places: 1) == n("0.3"))
        #expect(Number.divide(n("-1"), n("4"), places: 1) == n("-0.3"))
        #expect(Number.divide(n("10"), n("4"), places: 0) == n("3"))
        #expect(Number.divide(n("1"), n("8")) == n("0.125"))
        #expect(Number.divide(n("7.5"), n("0.03")) == n("250"))
        #expect(Number.divide(n("1"), n("1024"))!.description == "0.0009765625")
        var total = Number.Total()
        total.add(a)
        total.add(.zero)
        total.add(.zero)
        total.add(.zero)
        #expect(total.average(places: 1) == .zero)
        #expect(total.average(places: 2) == n("0.02"))
    }

    @Test func remainderIsExact() {
        #expect(Number.remainder(n("99999999999999999999999999999999999999"), n("0.3")) == .zero)
        #expect(Number.remainder(n("99999999999999999999999999999999999999"), n("0.7")) == n("0.3"))
        #expect(Number.remainder(n("-7"), n("1e-76")) == .zero)
        #expect(Number.remainder(n("1e-76"), n("7")) == n("1e-76"))
        #expect(Number.remainder(n("-5.5"), n("2")) == n("-1.5"))
        #expect(Number.remainder(n("5"), n("0")) == nil)
    }

    @Test func comparesAcrossTheWholeDomain() {
        let tiny = n("0.000000000000000000000000000000000000001")
        #expect(tiny > .zero)
        #expect(tiny < n("1"))
        #expect(-tiny < .zero)
        #expect(tiny != n("1e-38"))
        #expect(n("1e-76") < tiny)
        #expect(n("-99999999999999999999999999999999999999") < -tiny)
        #expect(n("99999999999999999999999999999999999999") > n("9999999999999999999999999999999999999.9"))
        #expect(max(tiny, n("1e-76")) == tiny)
        #expect(Set([n("0.5"), n("0.50"), n("5e-1")]).count == 1)
        #expect(tiny.floor() == .zero)
        #expect(tiny.ceiling() == n("1"))
        #expect((-tiny).floor() == n("-1"))
        #expect((-tiny).ceiling() == .zero)
        #expect(!tiny.isInteger)
        #expect(tiny.int == nil)
        #expect(tiny.rounded(38) == .zero)
        #expect(tiny.rounded(39) == tiny)
        #expect(n("5e-39").rounded(38) == n("1e-38"))
        #expect(tiny.magnitude == tiny)
        #expect(n("-1e-76").description == "-0.\(String(repeating: "0", count: 75))1")
    }

    @Test func totalsRoundOnce() {
        var total = Number.Total()
        let big = n("90000000000000000000000000000000000000")
        for value in [big, big, -big, n("1e-76"), n("0.5")] { total.add(value) }
        #expect(total.sum == n("90000000000000000000000000000000000001"))
        // 90000000000000000000000000000000000000.5000…01 / 5 has 38 digits before the point.
        #expect(total.average() == n("18000000000000000000000000000000000000"))
        var over = Number.Total()
        over.add(big)
        over.add(big)
        #expect(over.sum == nil)
        #expect(over.average() == big)
        #expect(Number.Total().average() == nil)
        #expect(Number.Total().sum == .zero)
    }

    @Test func outOfDomainPairsAreNormalized() {
        #expect(Number(mantissa: 123, scale: -2) == n("12300"))
        #expect(Number(mantissa: 1, scale: 77) == .zero)
        #expect(Number(mantissa: 0, scale: -1000) == .zero)
        #expect(Number(mantissa: 7, scale: 1_000_000) == .zero)
        #expect(Number(mantissa: -10, scale: -36) == n("-1e37"))
        #expect(Number(mantissa: 5, scale: 77) == n("1e-76"))
        #expect(Number(mantissa: Int128.max, scale: 1).description == "17014118346046923173168730371588410573")
    }

    /// The text of a number written byte by byte (64-bit mantissas) is the text it had.
    @Test func writesTheTextItHad() {
        var random = SplitMix64(state: 7)
        var cases: [Number] = [.zero, Number(1), Number(-1), Number(Int.max), Number(Int.min)]
        for _ in 0..<3_000 {
            let bits = Int(random.next() % 128)
            var mantissa = Int128(truncatingIfNeeded: random.next()) << 64 | Int128(random.next())
            mantissa = bits == 0 ? 0 : mantissa >> (128 - bits)
            if mantissa.magnitude >= Number.power(38).magnitude { mantissa %= Number.power(38) }
            cases.append(Number(unchecked: mantissa, scale: Int(random.next() % 77)))
        }
        for number in cases {
            #expect(number.description == number.referenceDescription)
            var out: [UInt8] = []
            number.write(to: &out)
            #expect(String(decoding: out, as: UTF8.self) == number.referenceDescription)
        }
    }
}
