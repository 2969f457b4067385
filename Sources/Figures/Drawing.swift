/// A figure as a list of drawing operations on a page measured in points (1/72 inch),
/// y downwards from the top-left corner. A figure is laid out once and rendered to any
/// format (`Drawing.render(as:dpi:)`): SVG, PDF and PNG come from the same operations,
/// so there is no second drawing code per format (docs/FIGURES.md).
public struct Drawing: Sendable {
    /// Page size in points.
    public let width: Double
    public let height: Double
    public private(set) var operations: [Operation] = []
    /// Document title (PDF metadata; SVG/PNG ignore it).
    public var title: String

    public init(width: Double, height: Double, title: String = "") {
        precondition(width > 0 && height > 0 && width.isFinite && height.isFinite, "Drawing: page size must be positive")
        self.width = width
        self.height = height
        self.title = title
    }

    public enum Operation: Sendable {
        case stroke(Path, Stroke)
        case fill(Path, Color)
        case text(Text)
        /// Clips the following operations to a rectangle until `.unclip`.
        case clip(Rect)
        case unclip
    }

    public mutating func stroke(_ path: Path, _ stroke: Stroke) {
        guard !path.isEmpty else { return }
        operations.append(.stroke(path, stroke))
    }

    public mutating func fill(_ path: Path, _ color: Color) {
        guard !path.isEmpty else { return }
        operations.append(.fill(path, color))
    }

    public mutating func line(from a: Point, to b: Point, _ stroke: Stroke) {
        var p = Path()
        p.move(to: a)
        p.line(to: b)
        self.stroke(p, stroke)
    }

    public mutating func rectangle(_ r: Rect, fill color: Color) {
        fill(Path(rect: r), color)
    }

    public mutating func text(_ string: String, at point: Point, font: Font = Font(), color: Color = .black,
                              anchor: Text.Anchor = .start, rotation: Double = 0) {
        guard !string.isEmpty else { return }
        operations.append(.text(Text(string: string, position: point, font: font, color: color, anchor: anchor,
                                     rotation: rotation)))
    }

    /// A figure's subtitle: `lines` centred on `x`, the first at `top`, `spacing` apart, in
    /// the subtitle font and grey of every plot.
    public mutating func subtitle(_ lines: [String], x: Double, top: Double, spacing: Double) {
        for (i, line) in lines.enumerated() {
            text(line, at: Point(x, top + spacing * Double(i)), font: Font(size: 8.5), color: .gray(0.27), anchor: .middle)
        }
    }

    public mutating func clip(to rect: Rect) { operations.append(.clip(rect)) }
    public mutating func unclip() { operations.append(.unclip) }
}

public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

public struct Rect: Sendable, Equatable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
}

/// A polyline path made of move and line segments (all a survival figure needs).
public struct Path: Sendable, Equatable {
    public enum Element: Sendable, Equatable {
        case move(Point)
        case line(Point)
        case close
    }
    public private(set) var elements: [Element] = []
    public init() {}
    public init(rect r: Rect) {
        move(to: Point(r.x, r.y))
        line(to: Point(r.maxX, r.y))
        line(to: Point(r.maxX, r.maxY))
        line(to: Point(r.x, r.maxY))
        close()
    }
    /// A polyline through `points` (no path when there are fewer than two).
    public init(polyline points: [Point]) {
        guard points.count >= 2 else { return }
        move(to: points[0])
        for p in points.dropFirst() { line(to: p) }
    }
    public var isEmpty: Bool { elements.isEmpty }
    public mutating func move(to p: Point) { elements.append(.move(p)) }
    public mutating func line(to p: Point) { elements.append(.line(p)) }
    public mutating func close() { elements.append(.close) }
}

/// An sRGB colour with alpha, components in [0, 1].
public struct Color: Sendable, Equatable {
    public var red: Double, green: Double, blue: Double, alpha: Double
    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// `#RRGGBB` or `RRGGBB` (case-insensitive); nil for anything else.
    public init?(hex: String) {
        var s = Substring(hex)
        if s.hasPrefix("#") { s = s.dropFirst() }
        guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
        self.init(red: Double((v >> 16) & 0xFF) / 255, green: Double((v >> 8) & 0xFF) / 255, blue: Double(v & 0xFF) / 255)
    }

    public func opacity(_ a: Double) -> Color { Color(red: red, green: green, blue: blue, alpha: a) }

    public static let black = Color(red: 0, green: 0, blue: 0)
    public static let white = Color(red: 1, green: 1, blue: 1)
    public static func gray(_ level: Double) -> Color { Color(red: level, green: level, blue: level) }

    /// Okabe & Ito (2008), ordered for contrast on white; yellow last. Distinguishable
    /// with the common colour-vision deficiencies.
    public static let okabeIto: [Color] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                                           "#F0E442"].map { Color(hex: $0)! }
}

public struct Stroke: Sendable, Equatable {
    public var color: Color
    public var width: Double
    /// Dash lengths in points (on, off, …); empty for a solid line.
    public var dash: [Double]
    public init(_ color: Color, width: Double = 1, dash: [Double] = []) {
        self.color = color
        self.width = width
        self.dash = dash
    }
}

public struct Font: Sendable, Equatable {
    /// Size in points.
    public var size: Double
    public var bold: Bool
    public var italic: Bool
    public init(size: Double = 9, bold: Bool = false, italic: Bool = false) {
        self.size = size
        self.bold = bold
        self.italic = italic
    }
    /// The family every figure uses (Debian's fonts-dejavu-core): it covers Latin,
    /// Greek, super- and subscripts (¹⁷⁷Lu), arrows and the math signs the figures print.
    public static let family = "DejaVu Sans"
}

public struct Text: Sendable, Equatable {
    public enum Anchor: Sendable, Equatable {
        case start, middle, end
    }
    public var string: String
    /// The baseline point the anchor refers to.
    public var position: Point
    public var font: Font
    public var color: Color
    public var anchor: Anchor
    /// Degrees, counter-clockwise (−90 … 90 in practice: a y-axis label is 90).
    public var rotation: Double
}
