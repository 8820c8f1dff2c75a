/// What can go wrong building, loading or training a GPT.
public enum GPTError: Error, CustomStringConvertible, Equatable {
  case invalidConfiguration(String)
  case invalidTokens(String)
  case invalidParameters(String)
  case diverged(step: Int, loss: Double, settings: String)

  public var description: String {
    switch self {
    case .invalidConfiguration(let m): "invalid GPT configuration: \(m)"
    case .invalidTokens(let m): "invalid tokens: \(m)"
    case .invalidParameters(let m): "invalid GPT parameters: \(m)"
    case .diverged(let step, let loss, let settings):
      "training diverged at step \(step): loss \(loss) (\(settings)); lower the learning rate or check the data"
    }
  }
}
