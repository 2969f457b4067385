internal import CCairo
import Foundation

/// The file formats a `Drawing` renders to, through Cairo's SVG, PDF and image surfaces.
public enum FigureFormat: String, Sendable, CaseIterable, Codable {
    case svg, pdf, png

    public var fileExtension: String { rawValue }
}

/// What can go wrong while rendering (Cairo reports a status; none is expected for a
/// well-formed drawing, so each is a bug or an exhausted resource).
public enum FigureError: Error, Equatable, CustomStringConvertible {
    case cairo(String)
    case resolution(Double)

    public var description: String {
        switch self {
        case .cairo(let status): return "drawing failed in Cairo: \(status)"
        case .resolution(let dpi): return "resolution \(dpi) dpi is outside 36 … 1200"
        }
    }
}

extension Drawing {
    /// The rendered file. SVG and PDF are vector (sizes in points; text as outlines, so
    /// the figure looks the same without the font); PNG is `dpi` pixels per inch on a
    /// white background, with the resolution recorded in its pHYs chunk. Output bytes
    /// are a function of the drawing alone (the PDF creation date is fixed to 2000-01-01,
    /// so a re-run writes the same file).
    /// - Parameter dpi: PNG resolution, 36 … 1200 (ignored for SVG and PDF).
    public func render(as format: FigureFormat, dpi: Double = 150) throws -> Data {
        let sink = ByteSink()
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        switch format {
        case .svg:
            guard let surface = cairo_svg_surface_create_for_stream(writeToSink, closure, width, height) else {
                throw FigureError.cairo("no SVG surface")
            }
            defer { cairo_surface_destroy(surface) }
            try draw(on: surface, scale: 1, background: true)
            cairo_surface_finish(surface)
            try check(cairo_surface_status(surface))
            return SVG.described(SVG.withStableSurfaceID(sink.bytes), title: title, texts: texts)
        case .pdf:
            guard let surface = cairo_pdf_surface_create_for_stream(writeToSink, closure, width, height) else {
                throw FigureError.cairo("no PDF surface")
            }
            defer { cairo_surface_destroy(surface) }
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "nensim")
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z")
            if !title.isEmpty { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title) }
            try draw(on: surface, scale: 1, background: true)
            cairo_surface_finish(surface)
            try check(cairo_surface_status(surface))
        case .png:
            guard dpi >= 36, dpi <= 1200, dpi.isFinite else { throw FigureError.resolution(dpi) }
            let scale = dpi / 72
            // width · dpi / 72 in that order: 432 pt at 300 dpi is 1800 px exactly, where
            // 432 · (300 / 72) rounds up to 1801.
            let w = Int32((width * dpi / 72).rounded(.up)), h = Int32((height * dpi / 72).rounded(.up))
            guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h) else {
                throw FigureError.cairo("no image surface")
            }
            defer { cairo_surface_destroy(surface) }
            try check(cairo_surface_status(surface))
            try draw(on: surface, scale: scale, background: true)
            cairo_surface_flush(surface)
            try check(cairo_surface_write_to_png_stream(surface, writeToSink, closure))
            return PNG.settingResolution(Data(sink.bytes), dotsPerInch: dpi)
        }
        return Data(sink.bytes)
    }

    private func draw(on surface: OpaquePointer, scale: Double, background: Bool) throws {
        guard let cr = cairo_create(surface) else { throw FigureError.cairo("no context") }
        defer { cairo_destroy(cr) }
        if background {
            // Before scaling, so the last pixel row and column (rounded up) are white too.
            cairo_set_source_rgb(cr, 1, 1, 1)
            cairo_paint(cr)
        }
        cairo_scale(cr, scale, scale)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        var clipped = false
        for op in operations {
            switch op {
            case .stroke(let path, let stroke):
                trace(path, cr)
                setColor(stroke.color, cr)
                cairo_set_line_width(cr, stroke.width)
                if stroke.dash.isEmpty {
                    cairo_set_dash(cr, nil, 0, 0)
                } else {
                    stroke.dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
                }
                cairo_stroke(cr)
            case .fill(let path, let color):
                trace(path, cr)
                setColor(color, cr)
                cairo_fill(cr)
            case .text(let t):
                TextMetrics.select(t.font, cr)
                setColor(t.color, cr)
                let advance = TextMetrics.advance(t.string, cr)
                let dx: Double
                switch t.anchor {
                case .start: dx = 0
                case .middle: dx = -advance / 2
                case .end: dx = -advance
                }
                cairo_save(cr)
                cairo_translate(cr, t.position.x, t.position.y)
                if t.rotation != 0 { cairo_rotate(cr, -t.rotation * .pi / 180) }
                cairo_move_to(cr, dx, 0)
                cairo_show_text(cr, t.string)
                cairo_restore(cr)
            case .clip(let r):
                if clipped { cairo_restore(cr) }
                cairo_save(cr)
                cairo_rectangle(cr, r.x, r.y, r.width, r.height)
                cairo_clip(cr)
                clipped = true
            case .unclip:
                if clipped { cairo_restore(cr) }
                clipped = false
            }
        }
        if clipped { cairo_restore(cr) }
        try check(cairo_status(cr))
    }

    /// Every text the drawing shows, in drawing order.
    public var texts: [String] {
        operations.compactMap { if case .text(let t) = $0 { return t.string } else { return nil } }
    }

    private func trace(_ path: Path, _ cr: OpaquePointer) {
        cairo_new_path(cr)
        for e in path.elements {
            switch e {
            case .move(let p): cairo_move_to(cr, p.x, p.y)
            case .line(let p): cairo_line_to(cr, p.x, p.y)
            case .close: cairo_close_path(cr)
            }
        }
    }

    private func setColor(_ c: Color, _ cr: OpaquePointer) {
        if c.alpha >= 1 { cairo_set_source_rgb(cr, c.red, c.green, c.blue) } else { cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha) }
    }
}

private func check(_ status: cairo_status_t) throws {
    guard status == CAIRO_STATUS_SUCCESS else { throw FigureError.cairo(String(cString: cairo_status_to_string(status))) }
}

/// Collects what a Cairo stream surface writes. Owned by one `render` call.
private final class ByteSink {
    var bytes: [UInt8] = []
}

private let writeToSink: cairo_write_func_t = { closure, data, length in
    guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    return CAIRO_STATUS_SUCCESS
}

/// Text widths for layout, measured with the same fonts the renderer uses, so labels
/// can be placed, wrapped or abbreviated before anything is drawn. One instance per
/// layout (a Cairo context is not shared between threads).
public final class TextMetrics {
    private let surface: OpaquePointer
    private let cr: OpaquePointer

    public init() {
        surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1)
        cr = cairo_create(surface)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Width of `string` in points when set in `font`.
    public func width(_ string: String, font: Font) -> Double {
        TextMetrics.select(font, cr)
        return TextMetrics.advance(string, cr)
    }

    static func select(_ font: Font, _ cr: OpaquePointer) {
        // Unhinted metrics: a text is as wide at 72 dpi (where layouts measure it) as at
        // 300 dpi or in a PDF, so a line measured to fit does fit.
        if let options = cairo_font_options_create() {
            cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
            cairo_set_font_options(cr, options)
            cairo_font_options_destroy(options)
        }
        cairo_select_font_face(cr, Font.family, font.italic ? CAIRO_FONT_SLANT_ITALIC : CAIRO_FONT_SLANT_NORMAL,
                               font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, font.size)
    }

    static func advance(_ string: String, _ cr: OpaquePointer) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, string, &extents)
        return extents.x_advance
    }
}

/// Cairo names the SVG's top group after a process-wide surface counter
/// (`<g id="surface7">`), which nothing references; it is renamed so that the same
/// drawing gives the same bytes however many figures the process drew before.
enum SVG {
    static func withStableSurfaceID(_ bytes: [UInt8]) -> [UInt8] {
        let marker = Array("<g id=\"surface".utf8)
        guard let start = firstIndex(of: marker, in: bytes) else { return bytes }
        var end = start + marker.count
        while end < bytes.count, bytes[end] >= 48, bytes[end] <= 57 { end += 1 }
        guard end > start + marker.count else { return bytes }
        return Array(bytes[..<start]) + Array("<g id=\"figure".utf8) + Array(bytes[end...])
    }

    /// Cairo sets text as glyph outlines, which nothing can read back; the figure's
    /// title and every text it shows go into `<title>` and `<desc>` after the opening
    /// tag, for screen readers and for searching the file.
    static func described(_ bytes: [UInt8], title: String, texts: [String]) -> Data {
        let open = Array("<svg".utf8)
        guard let start = firstIndex(of: open, in: bytes), let close = bytes[start...].firstIndex(of: UInt8(ascii: ">")) else {
            return Data(bytes)
        }
        var insert = "\n"
        if !title.isEmpty { insert += "<title>\(escaped(title))</title>\n" }
        if !texts.isEmpty { insert += "<desc>\(texts.map(escaped).joined(separator: "\n"))</desc>\n" }
        return Data(Array(bytes[...close]) + Array(insert.utf8) + Array(bytes[(close + 1)...]).drop { $0 == UInt8(ascii: "\n") })
    }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// PNG chunk editing: the resolution chunk Cairo does not write.
enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `png` with a pHYs chunk (pixels per metre, unit = metre) inserted after IHDR.
    static func settingResolution(_ png: Data, dotsPerInch dpi: Double) -> Data {
        let bytes = [UInt8](png)
        // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
        guard bytes.count > 33, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            return png
        }
        let ppm = UInt32((dpi / 0.0254).rounded())
        var chunk: [UInt8] = Array("pHYs".utf8)
        for v in [ppm, ppm] { chunk += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        chunk.append(1)
        let crc = crc32(chunk)
        var out = Array(bytes[0..<33])
        out += [0, 0, 0, 9] + chunk + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        out += bytes[33...]
        return Data(out)
    }

    /// CRC-32 (ISO 3309, as PNG uses it).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return c ^ 0xFFFF_FFFF
    }
}

extension TextMetrics {
    /// The words of `text` broken into lines no wider than `width` in `font` (a word
    /// wider than `width` stays whole on its own line). The one line breaker of every figure.
    public func wrap(_ text: String, width: Double, font: Font) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if self.width(candidate, font: font) > width, !current.isEmpty {
                lines.append(current)
                current = String(word)
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
