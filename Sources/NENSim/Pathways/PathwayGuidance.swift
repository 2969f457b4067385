import Foundation

/// The patients a pathway run is about: the simulated population (`--population`),
/// whose site, grade, Ki-67 and SSTR status the guidance rules read.
public typealias PatientProfile = PopulationSpec

/// A sentence of the source that a guidance rule rests on.
public struct GuidanceQuote: Sendable, Equatable, Codable {
    public var section: String
    /// Verbatim source text (checked against the source in the tests).
    public var quote: String
    public var gloss: String
}

/// One departure of a pathway from the source's guidance.
public struct GuidanceWarning: Sendable, Equatable, Codable {
    /// `sequence`, `sstr`, `grade` or `ki67`.
    public var rule: String
    public var pathway: String
    public var line: Int
    public var arm: String
    /// What in the pathway or population goes against the source, in words.
    public var finding: String
    public var source: GuidanceQuote

    /// One line for stderr.
    public var message: String {
        "pathway '\(pathway)' line \(line) (\(arm)): \(finding); the source (\(source.section)) says 「\(source.quote)」 (\(source.gloss))"
    }
}

/// The guidance check: lines of therapy and populations as the source states
/// them (§31, §33). Each rule quotes the source sentence it rests on. The rules:
///
/// - **sequence**: an arm the source places second line (everolimus, PRRT, interferon)
///   needs one of the treatments the source names before it (everolimus: after SSA or
///   PRRT, except in pancreatic NEN where §33 approves it outright; PRRT: after SSA or
///   everolimus; interferon: after SSA). Any other arm recorded as second line needs some
///   earlier line.
/// - **sstr**: SSA, PRRT or SIRT (SSTR-positive populations) for SSTR-negative disease.
/// - **grade**: chemotherapy for G1 disease; SSA, everolimus, sunitinib or PRRT for G3.
/// - **ki67**: SSA with Ki-67 ≥ 10 %.
public enum PathwayGuidance {
    /// Treatments the source names as coming before a second-line arm.
    public static let prerequisites: [String: [String]] = [
        "everolimus": ["ssa", "prrt"],
        "prrt": ["ssa", "everolimus"],
        "interferon": ["ssa"],
    ]

    /// Sites where a second-line arm may come first (the source approves it there).
    public static let firstLineSites: [String: [String]] = ["everolimus": ["pancreas"]]

    /// The sentences the rules quote (verbatim, §31 and §33 of the source).
    public static let quotes: [String: GuidanceQuote] = [
        "everolimus.second_line": GuidanceQuote(
            section: "§31", quote: "因此，指南推荐依维莫司可以作为晚期肠道NEN 的二线治疗药物，适用于SSA 类药物或者核素治疗后进展的肠道NEN。",
            gloss: "guidelines recommend everolimus as second-line therapy for advanced intestinal NEN progressing after SSA or radionuclide therapy"),
        "prrt.second_line": GuidanceQuote(
            section: "§31", quote: "目前指南推荐核素治疗可用于晚期G1/G2 级肠道NEN 患者，可作为SSA 或依维莫司治疗失败的二线治疗方案。",
            gloss: "guidelines recommend radionuclide therapy for advanced G1/G2 intestinal NEN as second-line therapy after failure of SSA or everolimus"),
        "interferon.second_line": GuidanceQuote(
            section: "§31", quote: "目前干扰素为功能性GI-NEN 的二线治疗药物，主要适用于SSA 难治性的类癌综合征等。",
            gloss: "interferon is the second-line drug for functional GI-NEN, mainly for SSA-refractory carcinoid syndrome"),
        "prrt.sstr": GuidanceQuote(
            section: "§31", quote: "标记的生长抑素类似物，杀伤表达SSTR 的肿瘤细胞，一般用于一线药物治疗失败的晚期NEN 患者。",
            gloss: "radiolabelled somatostatin analogues kill SSTR-expressing tumour cells, generally in advanced NEN after failure of first-line drugs"),
        "ssa.sstr": GuidanceQuote(
            section: "§31", quote: "SSA 也可用于其他部位NEN，如直肠，主要用于SSTR 表达阳性的低级别NEN。",
            gloss: "SSA can also be used for NEN of other sites such as the rectum, mainly for SSTR-positive low-grade NEN"),
        "sirt.sstr": GuidanceQuote(
            section: "§32", quote: "$\\mathrm{^{90}Y}$-DOTA-lanreotide对于生长抑素受体阳性的较大肝脏转移瘤治疗有效。",
            gloss: "90Y-DOTA-lanreotide is effective for large somatostatin-receptor-positive liver metastases"),
        "chemotherapy.grade": GuidanceQuote(
            section: "§31", quote: "指南推荐化疗主要使用于NEN G2 级（$\\langle\\mathrm{Ki}67>15\\%\\rangle$）、肿瘤具有较高侵袭性或者生长抑志受体（ SSTR ）表达阴性者。",
            gloss: "guidelines recommend chemotherapy mainly for G2 NEN with Ki-67 > 15 %, aggressive tumours, or SSTR-negative tumours"),
        "ssa.grade": GuidanceQuote(
            section: "§33", quote: "SSA，包括奥曲肽、奥曲肽微球及兰瑞肽等，对于相应受体阳性的G3 患者也可以考虑，但不作为常规推荐。",
            gloss: "SSA (octreotide, octreotide microspheres, lanreotide) may be considered for receptor-positive G3 patients but are not routinely recommended"),
        "targeted.grade": GuidanceQuote(
            section: "§33", quote: "靶向治疗（舒尼替尼和依维莫司）已被批准用于先进的$\\mathrm{G}1\\sim\\mathrm{G}2$ 胰腺NEN。",
            gloss: "targeted therapy (sunitinib and everolimus) is approved for advanced G1–G2 pancreatic NEN"),
        "ssa.ki67": GuidanceQuote(
            section: "§31", quote: "因此，SSA 也被用于非功能型转移性GI-NEN 的治疗，但主要适用于分化良好的中肠NEN（十二指肠乳头至右半结肠），推荐用于Ki67 指数在$10\\%$以下的患者。",
            gloss: "SSA are also used for non-functional metastatic GI-NEN, mainly well-differentiated midgut NEN, recommended when Ki-67 is below 10 %"),
    ]

    /// The guidance warnings of one pathway (arm ids, line 1 first) for `profile`.
    public static func check(pathway ids: [String], profile: PatientProfile, catalogue: EvidenceCatalogue) -> [GuidanceWarning] {
        let key = ids.joined(separator: ">")
        var warnings: [GuidanceWarning] = []
        func warn(_ rule: String, _ index: Int, _ finding: String, _ quote: String) {
            guard let q = quotes[quote] else { return }
            warnings.append(GuidanceWarning(rule: rule, pathway: key, line: index + 1, arm: ids[index], finding: finding, source: q))
        }
        for (i, id) in ids.enumerated() {
            guard let arm = try? catalogue.arm(id) else { continue }
            let earlier = Set(ids[..<i])
            // Sequence.
            if arm.lineOfTherapy == "second" {
                let exempt = profile.site.map { firstLineSites[id, default: []].contains($0) } ?? false
                if !exempt {
                    if let needed = prerequisites[id] {
                        if earlier.isDisjoint(with: needed) {
                            let before = i == 0 ? "it is given first line" : "none of \(needed.joined(separator: ", ")) comes before it"
                            warn("sequence", i, "\(id) is a second-line treatment after \(needed.joined(separator: " or ")), but \(before)", "\(id).second_line")
                        }
                    } else if i == 0 {
                        warn("sequence", i, "\(id) is a second-line treatment, but it is given first line", "\(id).second_line")
                    }
                }
            }
            // SSTR status.
            if profile.sstr == "negative", arm.population.sstr == "positive", ["ssa", "prrt", "sirt"].contains(id) {
                warn("sstr", i, "\(id) targets somatostatin receptors, but the population is SSTR-negative", "\(id).sstr")
            }
            // Grade.
            if let grade = profile.grade {
                if arm.armClass == "chemotherapy", grade == "G1" {
                    warn("grade", i, "chemotherapy (\(id)) for G1 disease\(i == 0 ? ", first line" : "")", "chemotherapy.grade")
                }
                if grade == "G3" {
                    switch id {
                    case "ssa": warn("grade", i, "ssa for G3 disease", "ssa.grade")
                    case "everolimus", "sunitinib": warn("grade", i, "\(id) for G3 disease", "targeted.grade")
                    case "prrt": warn("grade", i, "prrt for G3 disease", "prrt.second_line")
                    default: break
                    }
                }
            }
            // Ki-67.
            if id == "ssa", let ki67 = profile.ki67Percent, let limit = arm.population.ki67MaxPercent, ki67 >= limit {
                warn("ki67", i, "ssa with Ki-67 \(fmt(ki67)) % (the source recommends it below \(fmt(limit)) %)", "ssa.ki67")
            }
        }
        return warnings
    }
}
