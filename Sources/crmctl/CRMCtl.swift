import ArgumentParser
import CRMCommandLine
import CRMProtocol

/// `crmctl`: the operators' command line for crmd.
@main
struct CRMCtl: AsyncParsableCommand {
    /// How crmctl names itself in `session.hello`.
    static let clientName = "crmctl/" + RPC.productVersion

    static let configuration = CommandConfiguration(
        commandName: "crmctl",
        abstract: "Administer a crm server.",
        discussion: "Connection: --server/--token or CRM_SERVER/CRM_TOKEN. Tables by default, --json for scripts.",
        version: RPC.productVersion,
        subcommands: [
            Health.self, Stats.self, ShopCommand.self, TokenCommand.self, MemberCommand.self, ReviewCommand.self,
            PointsCommand.self, LedgerCommand.self, LevelCommand.self, VerifyCommand.self, ReferralCommand.self, CouponCommand.self, TagCommand.self,
            SegmentCommand.self, ReportCommand.self, ConfigCommand.self,
            NoticeCommand.self, ConsentCommand.self, CampaignCommand.self, AuditCommand.self, IdentityCommand.self,
        ]
    )
}

/// Options every crmctl subcommand takes.
struct CommonOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print the server's JSON result on one line instead of a table.") var json = false
}
