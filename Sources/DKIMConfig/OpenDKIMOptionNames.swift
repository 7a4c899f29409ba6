/// Option names OpenDKIM knows (opendkim-config.h of 2.10/2.11 and earlier releases) that this daemon does not
/// implement. They draw a "not implemented, ignored" warning rather than the "unknown option" one, so that an
/// administrator can tell a typo from a feature we lack. Lowercased, as option names compare.
enum OpenDKIMOptionNames {
    static let notImplemented: Set<String> = Set([
        "ADSPAction", "ADSPDiscard", "ADSPNoSuchDomain", "AddAllSignatureResults", "AllowSHA1Only",
        "AlwaysSignHeaders", "AnonymousStatistics", "ATPSDomains", "ATPSHashAlgorithm", "AuthservIDWithJobID",
        "AutoRestartCount", "BodyLengthDB", "BodyLengthDBFile", "BodyLengths", "BogusKey", "BogusPolicy",
        "CaptureUnknownErrors", "ChangeRootDirectory", "CheckSigningTable", "ClockDrift", "ConditionalSignatures",
        "DefaultSender", "Diagnostics", "DiagnosticDirectory", "DisableADSP", "DisableCryptoInit",
        "DKIMReputationFail", "DKIMReputationPass", "DKIMReputationReject", "DKIMReputationRoot", "DNSConnect",
        "DomainKeysCompat", "DontSignMailTo", "EnableCoredumps", "ExemptDomains", "FinalPolicyScript", "FixCRLF",
        "FlowData", "FlowDataFactor", "FlowDataTTL", "IdentityHeader", "IdentityHeaderRemove",
        "IgnoreMalformedMail", "InsecureKey", "InsecurePolicy", "KeepAuthResults", "KeepTemporaryFiles",
        "LDAPAuthMechanism", "LDAPAuthName", "LDAPAuthRealm", "LDAPAuthUser", "LDAPBindPassword", "LDAPBindUser",
        "LDAPDisableCache", "LDAPKeepaliveIdle", "LDAPKeepaliveInterval", "LDAPKeepaliveProbes", "LDAPSoftStart",
        "LDAPTimeout", "LDAPUseTLS", "LocalADSP", "LogRejects", "LuaOnlySigning", "MaximumSignedBytes",
        "MilterDebug", "Minimum", "MTACommand", "MustBeSigned", "NoDiscardableMailTo", "NoHeaderB",
        "On-BadSignature", "On-Default", "On-DNSError", "On-InternalError", "On-KeyNotFound", "On-NoSignature",
        "On-PolicyError", "On-ReputationError", "On-Security", "On-SignatureError", "POPDBFile", "Quarantine",
        "QueryCache", "RateLimits", "RedirectFailuresTo", "RemoveARAll", "RemoveARFrom", "RemoveOldSignatures",
        "ReplaceHeaders", "ReplaceRules", "ReportAddress", "ReportBccAddress", "ReportIntervalDB",
        "ReputationCache", "ReputationCacheTTL", "ReputationDuplicates", "ReputationFail", "ReputationLimits",
        "ReputationLimitModifiers", "ReputationLowTime", "ReputationMinimum", "ReputationPass",
        "ReputationRatios", "ReputationReject", "ReputationRoot", "ReputationRRDHashDepth", "ReputationRRDRoot",
        "ReputationSpamCheck", "ReputationTest", "ReputationTimeFactor", "ReputationTimeout", "ReputationVerbose",
        "RequestReports", "RequiredHeaders", "ResignAll", "ResignMailTo", "ResolverConfiguration",
        "ResolverTracing", "ScreenPolicyScript", "SelectCanonicalizationHeader", "SelectorHeader",
        "SelectorHeaderRemove", "SendADSPReports", "SenderHeaders", "SenderMacro", "SendReports",
        "SetupPolicyScript", "SignatureTTL", "SingleAuthResult", "SMTPURI", "SoftStart", "SoftwareHeader",
        "Statistics", "StatisticsName", "StatisticsPolicyScript", "StatisticsPrefix", "StrictHeaders",
        "StrictTestMode", "SyslogName", "TemporaryDirectory", "TestDNSData", "TestPublicKeys",
        "TrustSignaturesFrom", "UnprotectedKey", "UnprotectedPolicy", "VBR-Certifiers", "VBR-PurgeFields",
        "VBR-TrustedCertifiers", "VBR-TrustedCertifiersOnly", "VBR-Type", "WeakSyntaxChecks", "X-Header",
    ].map { $0.lowercased() })
}
