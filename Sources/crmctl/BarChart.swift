import CRMCommandLine

/// Horizontal bar charts for terminals: a table of label, count, share and a bar in eighths of a cell.
struct BarChart {
    struct Bar {
        var label: String
        var value: Int64
        var share: String?
    }

    var title: String
    var bars: [Bar] = []
    var width = 40

    static func bar(_ value: Int64, of max: Int64, width: Int) -> String {
        guard max > 0, value > 0 else { return "" }
        let eighths = Int((Double(value) / Double(max) * Double(width * 8)).rounded())
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: eighths / 8) + partial[eighths % 8] + (eighths == 0 ? "▏" : "")
    }

    func render() -> String {
        let top = bars.map(\.value).max() ?? 0
        var table = TextTable(headers: ["", "members", "share", ""])
        for b in bars { table.add([b.label, String(b.value), b.share.map { $0 + "%" } ?? "", Self.bar(b.value, of: top, width: width)]) }
        return title + "\n" + table.render()
    }
}
