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

  @Test("a line counts units with their rate, or shows the share of weighted work; the ETA from the rate so far")
  func lines() {
    #expect(Progress.line(label: "rbm learn: runs", done: 16, total: 64, seconds: 8, percent: false, note: "")
            == "rbm learn: runs 16/64  2.0/s  ETA 24s  ")
    #expect(Progress.line(label: "rbm mnist:", done: 250, total: 1000, seconds: 30, percent: true, note: "N_h = 784: epoch 5/20")
            == "rbm mnist: 25 %  ETA 1m30s  N_h = 784: epoch 5/20")
  }

  @Test("durations as s, m s or h m")
  func durations() {
    #expect(Progress.duration(59.4) == "59s")
    #expect(Progress.duration(61) == "1m1s")
    #expect(Progress.duration(3725) == "1h2m")
  }
}
