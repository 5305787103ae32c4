import CRMJSON

extension MatchModel {
    /// Every parameter, as `identity.model.get` shows it and `identity_model.parameters` stores it:
    /// per field, per level, `m`, `u` and the bits (log2 m/u) agreement at that level adds.
    public var json: JSONObject {
        var fields: JSONObject = [:]
        for field in MatchField.allCases {
            let levels: [JSONValue] = field.levels.indices.map { i in
                let bits = self.bits(field, level: Int8(i)).bits
                return .object([
                    "level": .string(field.levels[i]), "m": .double(m[field.index][i]), "u": .double(u[field.index][i]),
                    "bits": .double(PairScore.hundredths(bits)),
                ])
            }
            var entry: JSONObject = ["levels": .array(levels)]
            if field == .name {
                entry["term_frequency_levels"] = .array(Self.termFrequencyLevels.map { .string(field.levels[Int($0)]) })
            }
            if field == .address { entry["term_frequency_levels"] = .array([.string(field.levels[0])]) }
            fields[field.rawValue] = .object(entry)
        }
        return [
            "version": .int(version), "prior": .double(prior), "prior_bits": .double(PairScore.hundredths(priorBits)),
            "term_frequency_floor": .double(termFrequencyFloor), "fields": .object(fields),
            "term_frequency_prior_accounts": .object(["name": .double(namePriorAccounts), "address": .double(addressPriorAccounts)]),
        ]
    }

    /// A model from `json`, checked: every field and level present, every probability inside (0, 1).
    public init(json: JSONObject) throws(MatchModelError) {
        guard let version = json["version"]?.int64Value, let prior = json["prior"]?.doubleValue,
            let floor = json["term_frequency_floor"]?.doubleValue, let fields = json["fields"]?.objectValue
        else { throw MatchModelError(message: "a match model needs version, prior, term_frequency_floor and fields") }
        var m: [[Double]] = [], u: [[Double]] = []
        for field in MatchField.allCases {
            guard let levels = fields[field.rawValue]?["levels"]?.arrayValue, levels.count == field.levels.count else {
                throw MatchModelError(message: "\(field.rawValue) must list its \(field.levels.count) levels")
            }
            var fm: [Double] = [], fu: [Double] = []
            for (i, level) in levels.enumerated() {
                guard level["level"]?.stringValue == field.levels[i], let lm = level["m"]?.doubleValue, let lu = level["u"]?.doubleValue else {
                    throw MatchModelError(message: "\(field.rawValue) level \(i + 1) must be \(field.levels[i]) with m and u")
                }
                fm.append(lm)
                fu.append(lu)
            }
            m.append(fm)
            u.append(fu)
        }
        // Absent from models stored before it was estimated: those weighed names as they did.
        let weights = json["term_frequency_prior_accounts"]?.objectValue
        var candidate = MatchModel(unchecked: version, prior: prior, m: m, u: u, termFrequencyFloor: floor)
        candidate.namePriorAccounts = weights?["name"]?.doubleValue ?? NameFrequency.priorAccounts
        candidate.addressPriorAccounts = weights?["address"]?.doubleValue ?? NameFrequency.priorAccounts
        if let problem = candidate.problems().first { throw MatchModelError(message: problem) }
        self = candidate
    }

    private init(unchecked version: Int64, prior: Double, m: [[Double]], u: [[Double]], termFrequencyFloor: Double) {
        self.version = version
        self.prior = prior
        self.m = m
        self.u = u
        self.termFrequencyFloor = termFrequencyFloor
        namePriorAccounts = NameFrequency.priorAccounts
        addressPriorAccounts = NameFrequency.priorAccounts
    }
}

/// Why a stored match model could not be read.
public struct MatchModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
