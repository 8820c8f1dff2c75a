/// What can go wrong building, loading or training a GPT.
public enum GPTError: Error, CustomStringConvertible, Equatable {
  /// A size or hyperparameter out of range.
  case invalidConfiguration(String)
  /// Token ids or text the model cannot take.
  case invalidTokens(String)
  /// Parameters of the wrong count or not finite.
  case invalidParameters(String)
  /// The loss stopped being finite at `step`; `settings` names the hyperparameters.
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
