// FuzzDecode: arbitrary bytes through XPCWireDecoder, as an envelope and as a bare body.
//
// Whatever the default decoder accepts must re-encode canonically and survive a strict round trip
// unchanged; whatever it rejects must be rejected by strict mode too (see RoundTripOracle).
// A broken property traps, so libFuzzer saves the input.

import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    RoundTripOracle.checkEnvelope(bytes)
    RoundTripOracle.checkBody(bytes)
    return 0
}
