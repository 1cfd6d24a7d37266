import Testing
@testable import XPCWire
@Test func smoke() { #expect(1 + 1 == 2) }
