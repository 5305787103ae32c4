import ArgumentParser
import CRMProtocol

/// A member id typed on the command line (`crmctl level get 1001`): refused before connecting when
/// it is not one, like any other malformed argument.
extension MemberID: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(text: argument)
    }
}
