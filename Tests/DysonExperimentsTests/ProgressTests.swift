import Testing
@testable import DysonExperiments

@Suite("Progress line formatting") struct ProgressTests {
  @Test("the rate is per second, minute or hour, whichever keeps a digit before the point")
  func rates() {
    #expect(Progress.rate(250) == "250.0/s")
    #expect(Progress.rate(1) == "1.0/s")
    #expect(Progress.rate(13.0 / 600) == "1.3/min")   // a 13-point study in 10 minutes
    #expect(Progress.rate(1.0 / 60) == "1.0/min")
    #expect(Progress.rate(1.0 / 7200) == "0.5/h")
    #expect(Progress.rate(0) == "0/h")
  }

  @Test("durations as s, m s or h m")
  func durations() {
    #expect(Progress.duration(59.4) == "59s")
    #expect(Progress.duration(61) == "1m1s")
    #expect(Progress.duration(3725) == "1h2m")
  }
}
