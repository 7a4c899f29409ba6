extension Duration {
    /// Seconds for messages: `5` or `0.25`, never a float's `0.25000000000000001`.
    var secondsText: String {
        let (seconds, attoseconds) = components
        let millis = attoseconds / 1_000_000_000_000_000
        guard millis != 0 else { return "\(seconds)" }
        var fraction = String(millis)
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(seconds).\(fraction)"
    }

    /// Milliseconds rounded up, clamped to what `poll(2)` takes.
    var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        if seconds >= 86_400 { return 86_400_000 }
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(millis)
    }
}
