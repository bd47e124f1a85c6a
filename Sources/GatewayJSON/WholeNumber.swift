/// Exact conversion of JSON number text to `Int`, for numbers that are whole whatever their
/// spelling.
///
/// Going through `Double` would be shorter but wrong: it rounds above 2^53, so an identifier
/// like 9007199254740993 would silently become its neighbour. Working on the decimal digits keeps
/// every answer exact.
enum WholeNumber {
    /// `text` as an `Int` if it is a JSON number with an integral value in `Int`'s range.
    static func int(fromNumberText text: String) -> Int? {
        guard NumberGrammar.isNumber(text) else { return nil }
        if let plain = Int(text) { return plain }

        let parts = DecimalParts(text)
        var digits = parts.significand.drop { $0 == 0 }
        guard !digits.isEmpty else { return 0 }
        // The value is digits × 10^scale; a negative scale must only cut off zeros.
        var scale = parts.exponent - parts.fractionDigitCount
        while scale < 0 {
            guard digits.last == 0 else { return nil }
            digits.removeLast()
            scale += 1
        }
        // Int.max has 19 digits; more cannot fit, and checking first keeps huge exponents cheap.
        guard digits.count + scale <= 19 else { return nil }
        return accumulate(Array(digits) + Array(repeating: 0, count: scale), negative: parts.isNegative)
    }

    /// Builds the value downwards from zero, because `Int.min` has no positive counterpart.
    private static func accumulate(_ digits: [UInt8], negative: Bool) -> Int? {
        var value = 0
        for digit in digits {
            let shifted = value.multipliedReportingOverflow(by: 10)
            let next = shifted.partialValue.subtractingReportingOverflow(Int(digit))
            guard !shifted.overflow, !next.overflow else { return nil }
            value = next.partialValue
        }
        if negative { return value }
        let positive = 0.subtractingReportingOverflow(value)
        return positive.overflow ? nil : positive.partialValue
    }
}

/// A grammatically valid JSON number taken apart: sign, all significand digits (integer and
/// fraction, as values 0–9), how many of them were fraction digits, and the exponent.
private struct DecimalParts {
    var isNegative = false
    var significand: [UInt8] = []
    var fractionDigitCount = 0
    var exponent = 0

    /// The exponent saturates far beyond any `Int`'s digit count (but far below overflow, even
    /// after subtracting a megabyte of fraction digits): past that, only "too large" matters.
    private static let exponentCap = 1 << 40

    init(_ text: String) {
        var inFraction = false
        var inExponent = false
        var exponentIsNegative = false
        for byte in text.utf8 {
            switch byte {
            case ASCII.minus where inExponent: exponentIsNegative = true
            case ASCII.minus: isNegative = true
            case ASCII.period: inFraction = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case ASCII.zero...ASCII.nine where inExponent:
                exponent = min(exponent * 10 + Int(byte - ASCII.zero), Self.exponentCap)
            case ASCII.zero...ASCII.nine:
                significand.append(byte - ASCII.zero)
                if inFraction { fractionDigitCount += 1 }
            default: break  // '+' of the exponent
            }
        }
        if exponentIsNegative { exponent = -exponent }
    }
}
