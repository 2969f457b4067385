/// The errors the libraries throw (docs/ARCHITECTURE.md, "Command line"; docs/RELIABILITY.md).
///
/// The library speaks no command line: an error carries what went wrong — its kind, a
/// message in which the inputs it concerns are named as `Parameter`s (never spelled as
/// flags), and, where known, the file, the figure and the JSON path. The command line
/// maps the kind to an exit status and each parameter to its flag spelling.
///
///     throw NensimFailure.usage("\(.override) '\(user: text)': expected ARM.PARAM=VALUE, e.g. prrt.pfs.median=30")
///     // nensim prints: nensim: --set 'prrt': expected ARM.PARAM=VALUE, e.g. prrt.pfs.median=30
public struct NensimFailure: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem it is; the command line turns it into an exit status.
    public enum Kind: Sendable, Equatable, Codable {
        /// A parameter or argument is wrong (a flag, its value, or two that conflict).
        case usage
        /// An input file or figure is malformed, inconsistent or out of range.
        case data
        /// An input file does not exist or cannot be read.
        case noInput
        /// An output folder or file cannot be created.
        case cannotCreate
        /// Reading or writing failed part-way (disk full, file-size limit, closed pipe).
        case io
        /// An internal invariant failed (a bug, not the input's fault).
        case software
    }

    public var kind: Kind
    /// One line, with the parameters it concerns named, not spelled.
    public var message: Phrase
    /// The input or output file the error concerns, when there is one.
    public var file: String?
    /// The evidence figure (its id) the error concerns, when there is one.
    public var figure: String?
    /// Where in a JSON document (`$.arms[0].figures[2].value`), when it is one.
    public var jsonPath: String?

    public init(_ kind: Kind, _ message: Phrase, file: String? = nil, figure: String? = nil, jsonPath: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.figure = figure
        self.jsonPath = jsonPath
    }

    /// A message that names no parameter (plain text, made one line).
    public init(_ kind: Kind, _ message: String, file: String? = nil, figure: String? = nil, jsonPath: String? = nil) {
        self.init(kind, Phrase(text: message), file: file, figure: figure, jsonPath: jsonPath)
    }

    /// The kind, under the name it had when the library still held exit statuses.
    public var status: Kind { kind }

    public static func usage(_ message: Phrase) -> NensimFailure { .init(.usage, message) }
    public static func data(_ message: Phrase) -> NensimFailure { .init(.data, message) }
    public static func noInput(_ message: Phrase) -> NensimFailure { .init(.noInput, message) }
    public static func cannotCreate(_ message: Phrase) -> NensimFailure { .init(.cannotCreate, message) }
    public static func io(_ message: Phrase) -> NensimFailure { .init(.io, message) }
    public static func usage(_ message: String) -> NensimFailure { .init(.usage, message) }
    public static func data(_ message: String) -> NensimFailure { .init(.data, message) }
    public static func noInput(_ message: String) -> NensimFailure { .init(.noInput, message) }
    public static func cannotCreate(_ message: String) -> NensimFailure { .init(.cannotCreate, message) }
    public static func io(_ message: String) -> NensimFailure { .init(.io, message) }

    /// The same error with `prefix` before its message (e.g. the file it came from).
    public func prefixed(_ prefix: Phrase) -> NensimFailure {
        var copy = self
        copy.message = prefix + message
        return copy
    }

    /// The parameters the message names, in order.
    public var parameters: [Parameter] { message.parameters }

    /// Equality is the kind and the message; `file`, `figure` and `jsonPath` are context.
    public static func == (a: NensimFailure, b: NensimFailure) -> Bool { a.kind == b.kind && a.message == b.message }

    /// The message, parameters spelled by `Phrase.spelling`.
    public var description: String { message.description }
}

/// An input of the library that a message can name. The command line maps each to its
/// flag (`Sources/nensim/Failures.swift`); a new input is a new case here and one line there.
public enum Parameter: String, Sendable, Equatable, Hashable, CaseIterable {
    // The scenario
    case arms, patients, reference, tau, psa, seed, threads, shard
    /// One `ARM.PARAM=VALUE` override of a model parameter.
    case override
    case population, evidence
    // Health economics
    case economics, wtp, populationSize, years
    // The study design
    case horizon, accrual, followUp, dropout, gridWidth, exactLimit, blockSize
    // Pathways
    case pathways, strict, lineGap, laterLineHazardRatio
    // Outputs
    case out, force, format, patientsFile, quiet
    // Analysis of a data file
    case timeColumn, startColumn, eventColumn, groupColumn, strataColumn, covariateColumns, eventCodes, landmarks,
         confidenceLevel, rho, weightsColumn, clusterColumn, factorColumns, levels, referenceLevel, phTest
    // Trials
    case ratio, targetEvents, endpoint, test, assessment, alpha, replicates, null, crossover
    case strata, unstratifiedAnalysis
    // Group-sequential designs
    case looks, spending, betaSpending, beta, power, sided
}

extension Parameter: CustomStringConvertible {
    /// The parameter as `Phrase.spelling` shows it (the flag, once the command line has
    /// installed its spellings), so `"\(Parameter.null)"` in report text names the flag.
    public var description: String { Phrase.spelling(self) }
}

/// A one-line message whose inputs are named as `Parameter`s, written with string
/// interpolation: `"\(.horizon) \(x): must be positive"`. User text goes in through
/// `\(user: text)`, which escapes control characters and cuts it to ~80 characters, so a
/// message stays one readable line whatever the input held.
public struct Phrase: Sendable, Equatable, Hashable, CustomStringConvertible,
    ExpressibleByStringInterpolation {
    public enum Piece: Sendable, Equatable, Hashable {
        case text(String)
        case parameter(Parameter)
    }

    public private(set) var pieces: [Piece]

    public init(_ pieces: [Piece]) { self.pieces = pieces }
    public init(stringLiteral value: String) { pieces = value.isEmpty ? [] : [.text(value)] }
    /// Plain text (made one line), naming no parameter.
    public init(text: String) { pieces = text.isEmpty ? [] : [.text(oneLine(text))] }
    public init(stringInterpolation: StringInterpolation) { pieces = stringInterpolation.pieces }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        mutating func text(_ s: String) {
            guard !s.isEmpty else { return }
            if case .text(let t)? = pieces.last { pieces[pieces.count - 1] = .text(t + s) } else { pieces.append(.text(s)) }
        }
        public mutating func appendLiteral(_ literal: String) { text(literal) }
        /// A parameter, spelled by the command line (`--set`, `--grid-days`, …).
        public mutating func appendInterpolation(_ parameter: Parameter) { pieces.append(.parameter(parameter)) }
        /// Another phrase, e.g. the message of an error being wrapped.
        public mutating func appendInterpolation(_ phrase: Phrase) {
            for p in phrase.pieces {
                switch p {
                case .text(let t): text(t)
                case .parameter: pieces.append(p)
                }
            }
        }
        /// Text the user gave (a flag's value, a CSV cell, a JSON string): escaped, cut.
        public mutating func appendInterpolation(user value: some StringProtocol) { text(Phrase.echo(value)) }
        public mutating func appendInterpolation<T>(_ value: T) { text(oneLine(String(describing: value))) }
    }

    public static func + (a: Phrase, b: Phrase) -> Phrase { "\(a)\(b)" }

    /// The parameters named, in order.
    public var parameters: [Parameter] {
        pieces.compactMap { if case .parameter(let p) = $0 { p } else { nil } }
    }

    /// The text with each parameter spelled by `spell`.
    public func rendered(_ spell: (Parameter) -> String) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let t): t
            case .parameter(let p): spell(p)
            }
        }.joined()
    }

    /// How `description` spells a parameter: `‹name›` by default; the command line
    /// installs its flag spellings once at start-up, so that text the library renders
    /// into reports (notes, validation rows) names the flags a user types.
    nonisolated(unsafe) public static var spelling: @Sendable (Parameter) -> String = { "‹\($0.rawValue)›" }

    /// The text with parameters spelled by `Phrase.spelling`.
    public var description: String { rendered(Phrase.spelling) }

    /// Whether the text, with parameters as `‹name›`, contains `s`.
    public func contains(_ s: String) -> Bool { rendered { "‹\($0.rawValue)›" }.contains(s) }

    /// The longest echo of user text, in characters.
    public static let echoLimit = 80

    /// `text` as it may appear in a message: control characters, quotes and backslashes
    /// escaped as Swift writes them (`a\nb`), at most `echoLimit` characters (then `…`).
    public static func echo(_ text: some StringProtocol) -> String {
        var out = ""
        var count = 0
        for ch in text {
            if count >= echoLimit { return out + "…" }
            switch ch {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\r\n": out += "\\r\\n"
            case "\\": out += "\\\\"
            default:
                if ch.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format && $0.value != 0x200D }) {
                    out += ch.unicodeScalars.map { s in
                        s.properties.generalCategory == .control || s.properties.generalCategory == .format
                            ? "\\u{\(String(s.value, radix: 16))}" : String(s)
                    }.joined()
                } else {
                    out.append(ch)
                }
            }
            count += 1
        }
        return out
    }
}
