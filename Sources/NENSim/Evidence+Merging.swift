extension EvidenceCatalogue {
    /// This catalogue with `overlay` laid over it (a user's `--evidence` file over the bundled one).
    ///
    /// - New arms are appended.
    /// - An arm with an existing id merges into it: each of its figures replaces the figure with
    ///   the same id or is appended; `name`, `class` and `population` replace; `aliases`,
    ///   `statements`, `line_of_therapy`, `line_note` and `note` replace when present (non-empty).
    /// - Population figures replace by id or are appended.
    /// - The base's `source` is kept: quotes refer to it.
    ///
    /// - Throws: `NensimFailure.data` when the merged catalogue is inconsistent (an arm id that is
    ///   another arm's alias, a duplicate figure id, a reference to an unknown arm).
    /// - Complexity: O(a·f) in the number of arms and figures.
    public func merging(_ overlay: EvidenceCatalogue) throws -> EvidenceCatalogue {
        var result = self
        for arm in overlay.arms {
            guard let index = result.arms.firstIndex(where: { $0.id == arm.id }) else {
                result.arms.append(arm)
                continue
            }
            var merged = result.arms[index]
            merged.name = arm.name
            merged.armClass = arm.armClass
            merged.population = arm.population
            if !arm.aliases.isEmpty { merged.aliases = arm.aliases }
            if !arm.statements.isEmpty { merged.statements = arm.statements }
            if let line = arm.lineOfTherapy { merged.lineOfTherapy = line }
            if let note = arm.lineNote { merged.lineNote = note }
            if let note = arm.note { merged.note = note }
            merged.figures = Self.merge(merged.figures, with: arm.figures)
            result.arms[index] = merged
        }
        result.populationFigures = Self.merge(populationFigures, with: overlay.populationFigures)
        try result.checkConsistency(context: "merged catalogue")
        return result
    }

    private static func merge(_ base: [Figure], with overlay: [Figure]) -> [Figure] {
        var figures = base
        for figure in overlay {
            if let i = figures.firstIndex(where: { $0.id == figure.id }) {
                figures[i] = figure
            } else {
                figures.append(figure)
            }
        }
        return figures
    }

    /// Checks the whole-catalogue rules that a single figure cannot: unique arm ids and aliases,
    /// unique figure ids, references to known arms.
    func checkConsistency(context: String) throws {
        var names: [String: String] = [:]
        for arm in arms {
            for name in [arm.id] + arm.aliases {
                if let other = names[name], other != arm.id || name == arm.id {
                    throw NensimFailure.data("\(context): arm '\(arm.id)': name '\(name)' is already used by arm '\(other)'")
                }
                names[name] = arm.id
            }
        }
        var seen = Set<String>()
        let ids = Set(armIDs)
        for figure in allFigures {
            guard seen.insert(figure.id).inserted else {
                throw NensimFailure.data("\(context): duplicate figure id '\(figure.id)'")
            }
            if let reference = figure.reference, !ids.contains(reference) {
                throw NensimFailure.data("\(context): figure '\(figure.id)': reference to unknown arm '\(reference)'")
            }
        }
    }
}
