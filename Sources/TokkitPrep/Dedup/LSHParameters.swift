import Foundation

/// datasketch's `_optimal_param`: the bands × rows split of `permutations` hashes that minimises the
/// weighted false-positive and false-negative areas under the LSH S-curve around `threshold`.
///
/// ```
/// FP(t,b,r) = ∫_0^t 1−(1−s^r)^b ds      FN(t,b,r) = ∫_t^1 1−(1−(1−s^r)^b) ds
/// for b in 1…n, r in 1…n/b: keep the first (b, r) with the smallest FP·w + FN·(1−w)
/// ```
/// datasketch integrates with `scipy.integrate.quad`; this uses adaptive Gauss–Kronrod to 1e-13,
/// which agrees with quad's results far below the gaps between candidates (checked on the table of
/// reference §5.3: 0.9/128 → 5×25, 0.8/128 → 9×13, 0.7/112 → 12×9, 0.8/112 → 9×12).
public enum LSHParameters {
    public static func optimal(threshold: Double, permutations: Int, falsePositiveWeight: Double = 0.5) throws -> (bands: Int, rows: Int) {
        guard threshold > 0, threshold < 1 else { throw DedupError.invalidParameter("threshold must be in (0, 1), got \(threshold)") }
        guard permutations >= 2 else { throw DedupError.invalidParameter("permutations must be ≥ 2, got \(permutations)") }
        guard falsePositiveWeight >= 0, falsePositiveWeight <= 1 else {
            throw DedupError.invalidParameter("false-positive weight must be in [0, 1], got \(falsePositiveWeight)")
        }
        var best = (bands: 0, rows: 0)
        var minError = Double.greatestFiniteMagnitude
        for bands in 1...permutations {
            let maxRows = permutations / bands
            guard maxRows >= 1 else { continue }
            for rows in 1...maxRows {
                let b = Double(bands), r = Double(rows)
                let fp = integrate(0, threshold) { s in 1 - pow(1 - pow(s, r), b) }
                let fn = integrate(threshold, 1) { s in 1 - (1 - pow(1 - pow(s, r), b)) }
                let error = fp * falsePositiveWeight + fn * (1 - falsePositiveWeight)
                if error < minError {
                    minError = error
                    best = (bands, rows)
                }
            }
        }
        return best
    }

    /// The false-positive and false-negative areas of a split (for reports and tests).
    public static func errorAreas(threshold: Double, bands: Int, rows: Int) -> (falsePositive: Double, falseNegative: Double) {
        let b = Double(bands), r = Double(rows)
        return (integrate(0, threshold) { s in 1 - pow(1 - pow(s, r), b) },
                integrate(threshold, 1) { s in 1 - (1 - pow(1 - pow(s, r), b)) })
    }

    /// Adaptive 7–15 Gauss–Kronrod quadrature.
    static func integrate(_ a: Double, _ b: Double, depth: Int = 0, _ f: (Double) -> Double) -> Double {
        let (kronrod, gauss) = gaussKronrod(a, b, f)
        if abs(kronrod - gauss) <= 1e-13 || depth >= 30 { return kronrod }
        let mid = (a + b) / 2
        return integrate(a, mid, depth: depth + 1, f) + integrate(mid, b, depth: depth + 1, f)
    }

    private static func gaussKronrod(_ a: Double, _ b: Double, _ f: (Double) -> Double) -> (Double, Double) {
        let nodes: [Double] = [0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                               0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                               0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                               0.207784955007898467600689403773245, 0]
        let kronrodWeights: [Double] = [0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                                        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                                        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                                        0.204432940075298892414161999234649, 0.209482141084727828012999174891714]
        let gaussWeights: [Double] = [0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                                      0.381830050505118944950369775488975, 0.417959183673469387755102040816327]
        let center = (a + b) / 2, half = (b - a) / 2
        var kronrod = kronrodWeights[7] * f(center)
        var gauss = gaussWeights[3] * f(center)
        for index in 0..<7 {
            let x = half * nodes[index]
            let sum = f(center - x) + f(center + x)
            kronrod += kronrodWeights[index] * sum
            if index % 2 == 1 { gauss += gaussWeights[index / 2] * sum }
        }
        return (kronrod * half, gauss * half)
    }
}
