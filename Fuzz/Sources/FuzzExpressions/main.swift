import GridflowFuzzing

/// libFuzzer's entry: one input, parsed, checked and evaluated as an expression.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.expression(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
