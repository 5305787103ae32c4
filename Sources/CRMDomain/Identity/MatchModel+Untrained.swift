extension MatchModel {
    /// The model crmd uses until `crmctl identity train` has estimated one from the merchant's data.
    /// Cautious by construction: with the default thresholds (0.999 auto-merge, 0.9 review) a pair
    /// merges by itself only with an exact name and birthday and a near-identical address, as the
    /// hand-weighted rules before it did; one mistyped field, or a missing address, sends it to
    /// review; so does a name that only sounds the same (王小名 for 王小明: a typist's homophone, or
    /// another person). Term frequencies can only weaken a name here (the floor is the level's own `u`).
    /// docs/identity.md works through its figures.
    public static let untrained = MatchModel(
        version: 0,
        prior: 0.001,
        m: [
            // name: exact, script, pinyin, swapped, partial, one_edit, similar, different
            [0.70, 0.05, 0.05, 0.02, 0.03, 0.08, 0.03, 0.04],
            // birthday: exact, day_month_swapped, one_digit, different
            [0.85, 0.03, 0.05, 0.07],
            // address: exact, near, similar, weak, different
            [0.55, 0.20, 0.10, 0.05, 0.10],
            // region, phone: exact, different
            [0.95, 0.05],
            [0.50, 0.50],
        ],
        u: [
            [0.002, 0.0005, 0.004, 0.0005, 0.003, 0.01, 0.03, 0.9505],
            [0.01, 0.001, 0.01, 0.979],
            [0.005, 0.005, 0.01, 0.05, 0.93],
            [0.20, 0.80],
            [0.01, 0.99],
        ],
        termFrequencyFloor: 0.002)
}
