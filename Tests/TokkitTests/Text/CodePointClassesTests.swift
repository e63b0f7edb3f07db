import CICU
import Testing
@testable import TokkitText

@Suite("Code point classes: the table built from ICU's runs equals ICU asked one code point at a time")
struct CodePointClassesTests {
    /// The slow way the table used to be built: ICU queried for each of the 1,114,112 code points.
    static func oneByOne() -> [UInt16] {
        var raw = [UInt32](repeating: 0, count: 0x110000)
        raw.withUnsafeMutableBufferPointer { tk_codepoint_classes_range(0, 0x110000, $0.baseAddress) }
        return raw.map { UInt16($0) }
    }

    @Test("the two-level table gives each code point the classes packed from ICU's for it alone")
    func packedPerCodePoint() {
        let reference = Self.oneByOne()
        var differences = 0
        for codePoint in 0..<0x110000 where CodePointClasses.shared.classes(of: UInt32(codePoint)) != CodePointClasses.pack(reference[codePoint]) {
            differences += 1
        }
        #expect(differences == 0)
        #expect(CodePointClasses.pack(UInt16(TK_CLASS_LETTER | TK_CLASS_LOWERCASE)) == CodePointClasses.letter | CodePointClasses.lowerOrMark)
        #expect(CodePointClasses.pack(UInt16(TK_CLASS_MARK)) == CodePointClasses.upperOrMark | CodePointClasses.lowerOrMark)
        #expect(CodePointClasses.pack(UInt16(TK_CLASS_NUMBER | TK_CLASS_WHITE_SPACE)) == CodePointClasses.number | CodePointClasses.whiteSpace)
    }

    @Test("every code point has the same classes, and a changed class would be seen")
    func everyCodePoint() {
        let reference = Self.oneByOne()
        let expected = CodePointClasses(raw: reference)
        var differences = 0
        for codePoint in UInt32(0)..<0x110000 where CodePointClasses.shared.classes(of: codePoint) != expected.classes(of: codePoint) {
            differences += 1
        }
        #expect(differences == 0)
        // The comparison can fail: U+3000 IDEOGRAPHIC SPACE without its White_Space class.
        var planted = reference
        planted[0x3000] &= ~UInt16(TK_CLASS_WHITE_SPACE)
        #expect(CodePointClasses(raw: planted).classes(of: 0x3000) != CodePointClasses.shared.classes(of: 0x3000))
        #expect(CodePointClasses.shared.classes(of: 0x20) == CodePointClasses.whiteSpace)
        #expect(CodePointClasses.shared.classes(of: 0x41) & CodePointClasses.letter != 0)
    }
}
