package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// Declarative JSON sources (see spec). Field names follow each vendor's
// public format documentation; docs/normalizers.md lists what is read.

var (
	sevMicrosoft = map[string]alert.Severity{"informational": alert.SeverityInformational, "low": alert.SeverityLow,
		"medium": alert.SeverityMedium, "high": alert.SeverityHigh, "none": alert.SeverityInformational, "hidden": alert.SeverityInformational}
	expActivity = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qUser, qNetwork}
	expEDR      = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qHost, qEntities}
)

// entraSpec: Microsoft Entra ID sign-in logs (Graph signIn, Azure Monitor
// SignInLogs / NonInteractiveUserSignInLogs with "properties") and audit
// logs (Graph directoryAudit, Azure Monitor AuditLogs).
var entraSpec = &spec{
	name: "entra_id", vendor: "Microsoft", product: "Entra ID", envelopes: []string{"value", "records"}, inner: "properties",
	title:    []string{"activityDisplayName"},
	ref:      []string{"id", "correlationId"},
	time:     []string{"createdDateTime", "activityDateTime", "time"},
	sev:      []string{"riskLevelAggregated", "riskLevelDuringSignIn"},
	sevWords: sevMicrosoft, defaultSev: alert.SeverityInformational,
	tags: []string{"category", "riskEventTypes_v2", "riskEventTypes"},
	entities: []specEntity{
		{alert.EntityUser, entity.RoleActor, []string{"userPrincipalName", "initiatedBy.user.userPrincipalName", "identity"}},
		{alert.EntityIP, entity.RoleSrc, []string{"ipAddress", "callerIpAddress", "initiatedBy.user.ipAddress"}},
		{alert.EntityHostname, entity.RoleHost, []string{"deviceDetail.displayName"}},
		{alert.EntityUser, entity.RoleTarget, []string{"targetResources.userPrincipalName"}},
	},
	expected: expActivity,
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		upn := v.str("userPrincipalName", "initiatedBy.user.userPrincipalName", "initiatedBy.app.displayName")
		if act := v.str("activityDisplayName"); act != "" { // audit log
			result := strings.ToLower(v.str("result"))
			a.Rule = alert.Rule{ID: "audit:" + act, Name: act}
			a.Title = "Entra ID " + act + " by " + firstNonEmpty(upn, "unknown") + " (" + firstNonEmpty(result, "unknown") + ")"
			a.Description = v.str("resultReason")
			if result == "failure" && a.Severity < alert.SeverityLow {
				a.Severity = alert.SeverityLow
			}
			for _, t := range v.all("targetResources.displayName") {
				addEntity(es, alert.EntityUser, t, entity.RoleTarget)
			}
			switch {
			case strings.Contains(act, "member to role"), strings.Contains(act, "role member"):
				a.Severity = max(a.Severity, alert.SeverityMedium)
				a.Techniques = append(a.Techniques, "T1098.003")
			case strings.Contains(act, "service principal credentials"), strings.Contains(act, "application credential"):
				a.Severity = max(a.Severity, alert.SeverityMedium)
				a.Techniques = append(a.Techniques, "T1098.001")
			case strings.HasPrefix(act, "Consent to application"):
				a.Severity = max(a.Severity, alert.SeverityMedium)
				a.Techniques = append(a.Techniques, "T1528")
			}
			return
		}
		code := v.str("status.errorCode", "resultType")
		failed := code != "" && code != "0"
		app := v.str("appDisplayName")
		outcome := "succeeded"
		if failed {
			outcome = "failed"
			a.Description = v.str("status.failureReason", "resultDescription")
			if a.Severity < alert.SeverityLow {
				a.Severity = alert.SeverityLow
			}
		}
		a.Title = "Entra ID sign-in " + outcome + " for " + firstNonEmpty(upn, "unknown") + " to " + firstNonEmpty(app, "an application")
		a.Rule = alert.Rule{ID: "signin:" + firstNonEmpty(code, "0"), Name: "Sign-in " + outcome}
		a.Techniques = append(a.Techniques, "T1078.004")
		if failed {
			a.Techniques = append(a.Techniques, "T1110")
		}
		addTags(a, v.str("clientAppUsed"), v.str("conditionalAccessStatus"))
	},
}

// m365Spec: Microsoft 365 unified audit log (Office 365 Management
// Activity API) records, including Security & Compliance alerts.
var m365Spec = &spec{
	name: "m365", vendor: "Microsoft", product: "Microsoft 365", envelopes: []string{"value"},
	ref: []string{"Id"}, time: []string{"CreationTime"}, ruleID: []string{"Operation"}, ruleName: []string{"Operation"},
	sev: []string{"Severity"}, sevWords: sevMicrosoft, defaultSev: alert.SeverityInformational,
	tags: []string{"Workload", "Category"},
	entities: []specEntity{
		{alert.EntityUser, entity.RoleActor, []string{"UserId"}},
		{alert.EntityIP, entity.RoleSrc, []string{"ClientIP", "ClientIPAddress", "ActorIpAddress"}},
		{alert.EntityUser, entity.RoleTarget, []string{"ObjectId", "MailboxOwnerUPN"}},
		{alert.EntityHostname, entity.RoleHost, []string{"OriginatingServer"}},
	},
	scan:     []string{"Data"},
	expected: expActivity,
	post: func(v *view, a *alert.Alert, _ *entity.Set) {
		op := v.str("Operation")
		a.Title = firstNonEmpty(v.str("Name", "AlertName"), "M365 "+firstNonEmpty(v.str("Workload"), "")+" "+op+" by "+firstNonEmpty(v.str("UserId"), "unknown"))
		a.Title = strings.Join(strings.Fields(a.Title), " ")
		a.Description = v.str("Comments", "Description")
		if st := strings.ToLower(v.str("ResultStatus")); st == "failed" || st == "failure" {
			a.Severity = max(a.Severity, alert.SeverityLow)
		}
		switch op {
		case "New-InboxRule", "Set-InboxRule", "UpdateInboxRules":
			a.Severity = max(a.Severity, alert.SeverityMedium)
			a.Techniques = append(a.Techniques, "T1564.008")
		case "Set-Mailbox", "New-TransportRule":
			a.Severity = max(a.Severity, alert.SeverityLow)
			a.Techniques = append(a.Techniques, "T1114.003")
		case "Add member to role.", "Add-RoleGroupMember":
			a.Severity = max(a.Severity, alert.SeverityMedium)
			a.Techniques = append(a.Techniques, "T1098.003")
		case "Consent to application.", "Add delegated permission grant.":
			a.Severity = max(a.Severity, alert.SeverityMedium)
			a.Techniques = append(a.Techniques, "T1528")
		case "UserLoginFailed":
			a.Severity = max(a.Severity, alert.SeverityLow)
			a.Techniques = append(a.Techniques, "T1110")
		case "FileMalwareDetected", "AtpDetection", "TIMailData":
			a.Severity = max(a.Severity, alert.SeverityHigh)
		case "MailItemsAccessed", "FileDownloaded":
			a.Techniques = append(a.Techniques, "T1114.002")
		}
		if v.str("AlertId") != "" {
			a.SourceRef = v.str("AlertId")
		}
	},
}

// workspaceSpec: Google Workspace Alert Center alerts and Reports API
// activities (login, admin, drive audit).
var workspaceSpec = &spec{
	name: "google_workspace", vendor: "Google", product: "Google Workspace", envelopes: []string{"alerts", "items"},
	title: []string{"type"}, ruleID: []string{"type"}, ruleName: []string{"type"}, ref: []string{"alertId", "id.uniqueQualifier"},
	time: []string{"startTime", "createTime", "id.time"}, sev: []string{"metadata.severity"}, defaultSev: alert.SeverityMedium,
	status: []string{"metadata.status"}, tags: []string{"source", "id.applicationName"},
	entities: []specEntity{
		{alert.EntityEmail, entity.RoleActor, []string{"actor.email"}},
		{alert.EntityEmail, entity.RoleTarget, []string{"data.email", "data.affectedUserEmails", "data.messages.recipient"}},
		{alert.EntityIP, entity.RoleSrc, []string{"ipAddress", "data.loginDetails.ipAddress", "data.ipAddress"}},
		{alert.EntityEmail, entity.RoleSrc, []string{"data.messages.attachmentsSha256Hash"}},
		{alert.EntitySHA256, entity.RoleFile, []string{"data.messages.attachmentsSha256Hash"}},
		{alert.EntityDomain, entity.RoleRelated, []string{"data.domain", "data.maliciousEntity.entity.domain"}},
	},
	scan:     []string{"data.messages.subjectText"},
	expected: []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qEntities},
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		if v.str("kind") == "admin#reports#activity" {
			names := v.all("events.name")
			ev := strings.Join(names, ", ")
			a.Rule = alert.Rule{ID: v.str("id.applicationName") + ":" + firstNonEmpty(ev, "activity"), Name: ev}
			a.Title = "Google Workspace " + v.str("id.applicationName") + " " + ev + " by " + firstNonEmpty(v.str("actor.email"), "unknown")
			a.Severity = alert.SeverityInformational
			for _, n := range names {
				switch n {
				case "login_failure":
					a.Severity = max(a.Severity, alert.SeverityLow)
					a.Techniques = append(a.Techniques, "T1110")
				case "suspicious_login", "suspicious_login_less_secure_app", "gov_attack_warning":
					a.Severity = max(a.Severity, alert.SeverityHigh)
					a.Techniques = append(a.Techniques, "T1078.004")
				case "login_success":
					a.Techniques = append(a.Techniques, "T1078.004")
				}
			}
			if mfa := collectParam(v, "login_type"); mfa != "" {
				addTags(a, mfa)
			}
			return
		}
		if t := v.str("type"); t != "" {
			a.Title = "Google Workspace alert: " + t
		}
		if sev := strings.ToUpper(v.str("metadata.severity")); sev == "" {
			switch {
			case strings.Contains(strings.ToLower(v.str("type")), "government"), strings.Contains(strings.ToLower(v.str("type")), "malware"):
				a.Severity = alert.SeverityHigh
			}
		}
		_ = es
	},
}

// collectParam reads a named parameter of a Reports API activity's events.
func collectParam(v *view, name string) string {
	evs, _ := elements(v.raw("events"))
	for _, e := range evs {
		ps, _ := elements(member(e, "parameters"))
		for _, p := range ps {
			if rawString(member(p, "name")) == name {
				return firstNonEmpty(scalar(member(p, "value")), strings.Join(stringList(member(p, "multiValue")), ","))
			}
		}
	}
	return ""
}

// cloudflareSpec: Cloudflare Logpush http_requests and firewall_events
// records and the GraphQL firewallEventsAdaptive shape.
var cloudflareSpec = &spec{
	name: "cloudflare", vendor: "Cloudflare", product: "Cloudflare", envelopes: []string{"result", "data.viewer.zones.firewallEventsAdaptive"},
	ref:      []string{"RayID", "rayName", "RayName"},
	time:     []string{"Datetime", "EdgeStartTimestamp", "datetime", "EdgeEndTimestamp"},
	ruleID:   []string{"SecurityRuleID", "RuleID", "WAFRuleID", "ruleId", "FirewallMatchesRuleIDs"},
	ruleName: []string{"SecurityRuleDescription", "Description", "description", "WAFRuleMessage"},
	tags:     []string{"Source", "source", "Kind", "SecuritySources"},
	entities: []specEntity{
		{alert.EntityIP, entity.RoleSrc, []string{"ClientIP", "clientIP"}},
		{alert.EntityIP, entity.RoleDst, []string{"OriginIP"}},
		{alert.EntityDomain, entity.RoleDst, []string{"ClientRequestHost", "clientRequestHTTPHost", "Host"}},
	},
	expected: []string{qEventTime, qSeverity, qTitle, qSourceRef, qNetwork},
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		action := strings.ToLower(v.str("SecurityAction", "Action", "action", "WAFAction", "FirewallMatchesActions"))
		host := v.str("ClientRequestHost", "clientRequestHTTPHost", "Host")
		p := v.str("ClientRequestPath", "ClientRequestURI", "clientRequestPath")
		switch action {
		case "block", "drop", "connectionclose", "ban", "managed_challenge", "challenge", "jschallenge", "challengefailed", "jschallengefailed":
			a.Severity = alert.SeverityMedium
		case "log", "challengesolved", "jschallengesolved", "managedchallengeskipped", "managedchallengenoninteractivesolved":
			a.Severity = alert.SeverityLow
		case "", "unknown", "allow", "bypass", "skip":
			a.Severity = alert.SeverityInformational
		default:
			a.Severity = alert.SeverityLow
		}
		if st := v.str("EdgeResponseStatus", "OriginResponseStatus"); a.Severity == alert.SeverityInformational && (st == "403" || st == "429") {
			a.Severity = alert.SeverityLow
		}
		what := firstNonEmpty(a.Rule.Name, a.Rule.ID, v.str("ClientRequestMethod", "clientRequestHTTPMethodName")+" request")
		a.Title = "Cloudflare " + firstNonEmpty(action, "request") + ": " + what + " " + host + p
		if host != "" {
			scheme := "https"
			if strings.EqualFold(v.str("ClientRequestScheme"), "http") {
				scheme = "http"
			}
			es.Add(alert.EntityURL, scheme+"://"+host+p, entity.RoleDst)
		}
		if a.Rule.ID == "" && a.Rule.Name == "" && action != "" {
			a.Rule = alert.Rule{ID: "action:" + action, Name: action}
		}
	},
}

// zscalerSpec: Zscaler NSS feeds in JSON (web, firewall, DNS; {"event":
// {...}} as in Zscaler's JSON feed template) and ZIA sandbox reports.
var zscalerSpec = &spec{
	name: "zscaler", vendor: "Zscaler", product: "Zscaler Internet Access", envelopes: []string{"events"}, inner: "event",
	ref: []string{"recordid", "eventid", "event_id"}, time: []string{"datetime", "epochtime", "time"},
	ruleID:   []string{"ruleid", "rulelabel", "threatname", "urlfilterrulelabel", "fwdrulelabel"},
	ruleName: []string{"threatname", "rulelabel", "urlfilterrulelabel", "reason"},
	sev:      []string{"threatseverity", "riskscore"},
	tags:     []string{"urlcategory", "urlsupercategory", "malwarecat", "threatcategory", "appclass", "sourcetype"},
	entities: []specEntity{
		{alert.EntityUser, entity.RoleActor, []string{"login", "user", "ouser"}},
		{alert.EntityIP, entity.RoleSrc, []string{"cip", "csip", "clientip", "ClientIP"}},
		{alert.EntityIP, entity.RoleDst, []string{"sip", "sdip", "serverip", "cdip"}},
		{alert.EntityHostname, entity.RoleHost, []string{"devicehostname", "devicename"}},
		{alert.EntityDomain, entity.RoleDst, []string{"hostname", "host", "domain"}},
		{alert.EntityURL, entity.RoleDst, []string{"eurl", "url"}},
		{alert.EntityMD5, entity.RoleFile, []string{"bamd5", "filemd5", "md5"}},
		{alert.EntitySHA256, entity.RoleFile, []string{"sha256"}},
	},
	expected: []string{qEventTime, qSeverity, qTitle, qRule, qUser, qNetwork},
	post: func(v *view, a *alert.Alert, _ *entity.Set) {
		action := v.str("action")
		threat := v.str("threatname")
		if strings.EqualFold(threat, "none") || threat == "NA" {
			threat = ""
			if a.Rule.ID == v.str("threatname") {
				a.Rule.ID = firstNonEmpty(v.str("rulelabel", "urlfilterrulelabel", "fwdrulelabel"), action)
			}
			if a.Rule.Name == v.str("threatname") {
				a.Rule.Name = a.Rule.ID
			}
		}
		switch {
		case a.Severity != alert.SeverityUnknown:
		case threat != "":
			a.Severity = alert.SeverityHigh
		case strings.EqualFold(action, "blocked") || strings.EqualFold(action, "block") || strings.EqualFold(action, "drop"):
			a.Severity = alert.SeverityMedium
		default:
			a.Severity = alert.SeverityInformational
		}
		a.Title = "Zscaler " + firstNonEmpty(action, "event") + ": " + firstNonEmpty(threat, v.str("reason"), v.str("urlcategory"), a.Rule.Name) +
			" " + v.str("hostname", "host", "domain")
		a.Title = strings.TrimSpace(a.Title)
	},
}

// cortexSpec: Palo Alto Cortex XDR alerts (get_alerts / get_alerts_multi_events
// replies) and incidents.
var cortexSpec = &spec{
	name: "cortex_xdr", vendor: "Palo Alto Networks", product: "Cortex XDR", envelopes: []string{"reply.alerts", "reply.incidents", "alerts", "reply.data"},
	title: []string{"name", "description"}, desc: []string{"description"}, ref: []string{"alert_id", "external_id", "incident_id"},
	ruleID: []string{"matching_service_rule_id", "rule_id", "alert_id"}, ruleName: []string{"name"},
	time: []string{"detection_timestamp", "local_insert_ts", "creation_time"}, sev: []string{"severity"},
	status:     []string{"resolution_status", "status"},
	tactics:    []string{"mitre_tactic_id_and_name"},
	techniques: []string{"mitre_technique_id_and_name"},
	tags:       []string{"category", "source"},
	entities: []specEntity{
		{alert.EntityHostname, entity.RoleHost, []string{"host_name", "hosts", "events.agent_hostname"}},
		{alert.EntityIP, entity.RoleHost, []string{"host_ip", "events.agent_ip_addresses", "events.action_local_ip"}},
		{alert.EntityUser, entity.RoleActor, []string{"user_name", "users", "events.user_name"}},
		{alert.EntityIP, entity.RoleDst, []string{"events.action_remote_ip"}},
		{alert.EntityProcess, entity.RoleProcess, []string{"events.actor_process_image_path", "events.actor_process_image_name"}},
		{alert.EntitySHA256, entity.RoleProcess, []string{"events.actor_process_image_sha256"}},
		{alert.EntityProcess, entity.RoleRelated, []string{"events.causality_actor_process_image_name"}},
		{alert.EntitySHA256, entity.RoleFile, []string{"events.action_file_sha256"}},
		{alert.EntityFile, entity.RoleFile, []string{"events.action_file_path"}},
		{alert.EntityDomain, entity.RoleDst, []string{"events.dns_query_name", "events.action_external_hostname"}},
	},
	scan:     []string{"events.actor_process_command_line"},
	expected: expEDR,
	post: func(v *view, a *alert.Alert, _ *entity.Set) {
		// "TA0006 - Credential Access" / "T1003.001 - ..." : the id leads.
		for _, s := range v.all("mitre_tactic_id_and_name") {
			addTactics(a, strings.TrimSpace(strings.SplitN(s, " - ", 2)[0]))
		}
		for _, s := range v.all("mitre_technique_id_and_name") {
			addTechniques(a, strings.TrimSpace(strings.SplitN(s, " - ", 2)[0]))
		}
		st := strings.ToUpper(v.str("resolution_status", "status"))
		switch {
		case strings.Contains(st, "FALSE_POSITIVE"):
			a.Status = alert.StatusFalsePositive
		case strings.Contains(st, "RESOLVED"):
			a.Status = alert.StatusResolved
		case strings.Contains(st, "UNDER_INVESTIGATION"):
			a.Status = alert.StatusTriaged
		}
	},
}

// carbonBlackSpec: VMware Carbon Black Cloud alerts (Alerts API v7 and v6,
// and Data Forwarder alert records).
var carbonBlackSpec = &spec{
	name: "carbon_black", vendor: "VMware", product: "Carbon Black Cloud", envelopes: []string{"results"},
	title: []string{"reason", "report_name"}, ref: []string{"id", "legacy_alert_id"},
	ruleID:   []string{"report_id", "rule_id", "threat_id", "type"},
	ruleName: []string{"report_name", "type"},
	time:     []string{"first_event_timestamp", "first_event_time", "detection_timestamp", "backend_timestamp", "create_time"},
	sev:      []string{"severity"}, status: []string{"workflow.status", "workflow.state"},
	tactics: []string{"attack_tactic"}, techniques: []string{"attack_technique", "ttps"},
	tags: []string{"type", "watchlists.name", "category"},
	entities: []specEntity{
		{alert.EntityHostname, entity.RoleHost, []string{"device_name"}},
		{alert.EntityIP, entity.RoleHost, []string{"device_internal_ip", "device_external_ip"}},
		{alert.EntityUser, entity.RoleActor, []string{"device_username", "process_username"}},
		{alert.EntityProcess, entity.RoleProcess, []string{"process_name", "threat_cause_actor_name"}},
		{alert.EntitySHA256, entity.RoleProcess, []string{"process_sha256", "threat_cause_actor_sha256"}},
		{alert.EntityMD5, entity.RoleProcess, []string{"process_md5", "threat_cause_actor_md5"}},
		{alert.EntityProcess, entity.RoleRelated, []string{"parent_name", "threat_cause_parent_guid"}},
		{alert.EntityIP, entity.RoleSrc, []string{"netconn_local_ipv4"}},
		{alert.EntityIP, entity.RoleDst, []string{"netconn_remote_ipv4", "netconn_remote_ip"}},
		{alert.EntityDomain, entity.RoleDst, []string{"netconn_remote_domain"}},
	},
	scan:     []string{"process_cmdline"},
	expected: expEDR,
	post: func(v *view, a *alert.Alert, _ *entity.Set) {
		if f, ok := parseFloat(v.str("severity")); ok {
			a.Severity = severityFrom10(f)
		}
		if strings.EqualFold(v.str("workflow.status", "workflow.state"), "closed") || strings.EqualFold(v.str("workflow.status"), "dismissed") {
			a.Status = alert.StatusResolved
		}
	},
}

// falcoSpec: Falco alerts (JSON output, Falcosidekick).
var falcoSpec = &spec{
	name: "falco", vendor: "Falco", product: "Falco", envelopes: []string{"events"},
	title: []string{"rule"}, desc: []string{"output"}, ruleID: []string{"rule"}, ruleName: []string{"rule"},
	ref: []string{"uuid"}, time: []string{"time", "output_fields.evt.time"}, sev: []string{"priority"},
	sevWords: map[string]alert.Severity{"emergency": alert.SeverityCritical, "alert": alert.SeverityCritical, "critical": alert.SeverityCritical,
		"error": alert.SeverityHigh, "warning": alert.SeverityMedium, "notice": alert.SeverityLow, "informational": alert.SeverityInformational,
		"info": alert.SeverityInformational, "debug": alert.SeverityInformational},
	tactics: []string{"tags"}, techniques: []string{"tags"}, tags: []string{"tags", "source"},
	entities: []specEntity{
		{alert.EntityHostname, entity.RoleHost, []string{"hostname", "output_fields.host.name"}},
		{alert.EntityUser, entity.RoleActor, []string{"output_fields.user.name", "output_fields.ka.user.name"}},
		{alert.EntityProcess, entity.RoleProcess, []string{"output_fields.proc.exepath", "output_fields.proc.name"}},
		{alert.EntityProcess, entity.RoleRelated, []string{"output_fields.proc.pname"}},
		{alert.EntityFile, entity.RoleFile, []string{"output_fields.fd.name"}},
		{alert.EntityIP, entity.RoleSrc, []string{"output_fields.fd.cip", "output_fields.fd.sip.name"}},
		{alert.EntityIP, entity.RoleDst, []string{"output_fields.fd.sip", "output_fields.fd.rip"}},
		{alert.EntityCloudID, entity.RoleResource, []string{"output_fields.container.id", "output_fields.k8s.pod.name"}},
	},
	scan:     []string{"output_fields.proc.cmdline"},
	expected: []string{qEventTime, qSeverity, qTitle, qRule, qHost, qEntities},
	post: func(v *view, a *alert.Alert, _ *entity.Set) {
		for _, t := range v.all("tags") { // mitre_execution, T1059
			addTactics(a, strings.TrimPrefix(t, "mitre_"))
		}
	},
}

// osquerySpec: osquery result logs (differential "columns" and "snapshot").
var osquerySpec = &spec{
	name: "osquery", vendor: "osquery", product: "osquery",
	ruleID: []string{"name"}, ruleName: []string{"name"}, time: []string{"unixTime", "calendarTime"},
	defaultSev: alert.SeverityLow, tags: []string{"action"},
	entities: []specEntity{
		{alert.EntityHostname, entity.RoleHost, []string{"hostIdentifier", "decorations.hostname", "decorations.host_name"}},
		{alert.EntityUser, entity.RoleActor, []string{"columns.username", "columns.user", "snapshot.username", "decorations.username"}},
		{alert.EntityIP, entity.RoleDst, []string{"columns.remote_address", "snapshot.remote_address"}},
		{alert.EntityIP, entity.RoleSrc, []string{"columns.local_address", "columns.address", "snapshot.local_address"}},
		{alert.EntityProcess, entity.RoleProcess, []string{"columns.path", "columns.cmdline", "snapshot.path"}},
		{alert.EntityFile, entity.RoleFile, []string{"columns.target_path", "columns.file_path"}},
		{alert.EntityMD5, entity.RoleFile, []string{"columns.md5", "snapshot.md5"}},
		{alert.EntitySHA1, entity.RoleFile, []string{"columns.sha1", "snapshot.sha1"}},
		{alert.EntitySHA256, entity.RoleFile, []string{"columns.sha256", "snapshot.sha256"}},
		{alert.EntityDomain, entity.RoleRelated, []string{"columns.domain", "columns.hostname"}},
	},
	expected: []string{qEventTime, qSeverity, qTitle, qRule, qHost, qEntities},
	post: func(v *view, a *alert.Alert, _ *entity.Set) {
		name := v.str("name")
		act := firstNonEmpty(v.str("action"), "snapshot")
		a.Title = "osquery " + strings.TrimPrefix(strings.TrimPrefix(name, "pack_"), "pack/") + " (" + act + ")"
		if act == "removed" {
			a.Severity = alert.SeverityInformational
		}
	},
}

// k8sAuditSpec: Kubernetes API server audit events (audit.k8s.io/v1).
var k8sAuditSpec = &spec{
	name: "kubernetes_audit", vendor: "Kubernetes", product: "Kubernetes API server", envelopes: []string{"items"},
	ref: []string{"auditID"}, time: []string{"requestReceivedTimestamp", "stageTimestamp", "timestamp"},
	defaultSev: alert.SeverityInformational, tags: []string{"level", "stage"},
	entities: []specEntity{
		{alert.EntityUser, entity.RoleActor, []string{"user.username", "impersonatedUser.username"}},
		{alert.EntityIP, entity.RoleSrc, []string{"sourceIPs"}},
	},
	expected: []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qUser, qNetwork},
	skip:     func(v *view) bool { return v.str("stage") == "RequestReceived" }, // the same request reported again at ResponseComplete
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		verb, res, sub := v.str("verb"), v.str("objectRef.resource"), v.str("objectRef.subresource")
		ns, name := v.str("objectRef.namespace"), v.str("objectRef.name")
		user := v.str("user.username")
		rule := verb + " " + res
		if sub != "" {
			rule += "/" + sub
		}
		a.Rule = alert.Rule{ID: rule, Name: rule}
		target := strings.Trim(ns+"/"+name, "/")
		a.Title = "Kubernetes " + rule + " " + target + " by " + firstNonEmpty(user, "unknown")
		a.Title = strings.Join(strings.Fields(a.Title), " ")
		code := v.str("responseStatus.code")
		a.Description = strings.TrimSpace(v.str("annotations.authorization.k8s.io/decision") + " " + code + " " + v.str("responseStatus.message"))
		if target != "" {
			es.Add(alert.EntityCloudID, "k8s:"+res+"/"+target, entity.RoleResource)
		}
		switch {
		case sub == "exec" || sub == "attach" || sub == "portforward":
			a.Severity = alert.SeverityMedium
			a.Techniques = append(a.Techniques, "T1609")
		case (res == "clusterrolebindings" || res == "rolebindings") && (verb == "create" || verb == "update" || verb == "patch"):
			a.Severity = alert.SeverityMedium
			a.Techniques = append(a.Techniques, "T1098")
		case res == "secrets" && (verb == "get" || verb == "list" || verb == "watch"):
			a.Severity = alert.SeverityLow
			a.Techniques = append(a.Techniques, "T1552.007")
		case res == "pods" && verb == "create" && strings.Contains(string(v.raw("requestObject")), `"privileged":true`):
			a.Severity = alert.SeverityHigh
			a.Techniques = append(a.Techniques, "T1610")
		}
		if user == "system:anonymous" {
			a.Severity = max(a.Severity, alert.SeverityMedium)
		}
		if code == "401" || code == "403" {
			a.Severity = max(a.Severity, alert.SeverityLow)
		}
	},
}

// awsWAFSpec: AWS WAF (v2) web ACL logs.
var awsWAFSpec = &spec{
	name: "aws_waf", vendor: "AWS", product: "AWS WAF", envelopes: []string{"Records"},
	ref: []string{"httpRequest.requestId"}, time: []string{"timestamp"},
	ruleID: []string{"terminatingRuleId"}, ruleName: []string{"terminatingRuleId"},
	tags: []string{"terminatingRuleType", "httpSourceName", "terminatingRuleMatchDetails.conditionType", "labels.name"},
	entities: []specEntity{
		{alert.EntityIP, entity.RoleSrc, []string{"httpRequest.clientIp"}},
		{alert.EntityCloudID, entity.RoleResource, []string{"webaclId", "httpSourceId"}},
	},
	scan:     []string{"terminatingRuleMatchDetails.matchedData"},
	expected: []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qNetwork},
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		action := strings.ToUpper(v.str("action"))
		host := ""
		hs, _ := elements(v.raw("httpRequest.headers"))
		for _, h := range hs {
			if strings.EqualFold(rawString(member(h, "name")), "host") {
				host = rawString(member(h, "value"))
			}
		}
		uri := v.str("httpRequest.uri")
		switch action {
		case "BLOCK":
			a.Severity = alert.SeverityMedium
		case "COUNT", "CAPTCHA", "CHALLENGE":
			a.Severity = alert.SeverityLow
		default:
			a.Severity = alert.SeverityInformational
		}
		conds := strings.Join(v.all("terminatingRuleMatchDetails.conditionType"), ",")
		if strings.Contains(conds, "SQL_INJECTION") || strings.Contains(conds, "XSS") {
			a.Severity = max(a.Severity, alert.SeverityMedium)
			a.Techniques = append(a.Techniques, "T1190")
		}
		a.Title = "AWS WAF " + firstNonEmpty(action, "request") + ": " + firstNonEmpty(v.str("terminatingRuleId"), "Default_Action") + " " +
			v.str("httpRequest.httpMethod") + " " + host + uri
		if a.Rule.ID == "" {
			a.Rule = alert.Rule{ID: "Default_Action", Name: "Default_Action"}
		}
		if host != "" {
			es.Add(alert.EntityDomain, host, entity.RoleDst)
			es.Add(alert.EntityURL, "https://"+host+uri, entity.RoleDst)
		}
	},
}

// githubSpec: GitHub audit log events (REST API, streaming, export).
var githubSpec = &spec{
	name: "github_audit", vendor: "GitHub", product: "GitHub", envelopes: []string{"events"},
	ruleID: []string{"action"}, ruleName: []string{"action"}, ref: []string{"_document_id", "document_id"},
	time: []string{"@timestamp", "created_at", "timestamp"}, defaultSev: alert.SeverityInformational,
	tags: []string{"operation_type", "org", "business"},
	entities: []specEntity{
		{alert.EntityUser, entity.RoleActor, []string{"actor"}},
		{alert.EntityEmail, entity.RoleActor, []string{"actor_email", "external_identity_nameid", "actor_is_bot_email"}},
		{alert.EntityIP, entity.RoleSrc, []string{"actor_ip"}},
		{alert.EntityUser, entity.RoleTarget, []string{"user"}},
		{alert.EntityCloudID, entity.RoleResource, []string{"repo", "repository"}},
	},
	expected: []string{qEventTime, qSeverity, qTitle, qRule, qUser},
	post: func(v *view, a *alert.Alert, _ *entity.Set) {
		act := v.str("action")
		where := firstNonEmpty(v.str("repo", "repository"), v.str("org"))
		a.Title = "GitHub " + act + " by " + firstNonEmpty(v.str("actor"), "unknown")
		if where != "" {
			a.Title += " on " + where
		}
		switch {
		case act == "repo.destroy", act == "org.disable_two_factor_requirement", act == "business.disable_two_factor_requirement",
			act == "protected_branch.destroy", act == "repository_secret_scanning_push_protection.disable", act == "org.update_saml_provider_settings":
			a.Severity = alert.SeverityHigh
			a.Techniques = append(a.Techniques, "T1562")
		case act == "repo.access" && strings.Contains(string(v.raw("visibility")), "public"), act == "repo.download_zip", act == "git.clone":
			a.Severity = max(a.Severity, alert.SeverityLow)
			a.Techniques = append(a.Techniques, "T1213.003")
		case strings.HasPrefix(act, "org.add_member"), strings.HasPrefix(act, "team.add_member"), act == "org.update_member", strings.HasPrefix(act, "oauth_authorization.create"),
			strings.HasPrefix(act, "personal_access_token.") || strings.HasPrefix(act, "public_key.create"), act == "org.invite_member":
			a.Severity = max(a.Severity, alert.SeverityLow)
			a.Techniques = append(a.Techniques, "T1098")
		case strings.HasPrefix(act, "secret_scanning_alert."), strings.HasPrefix(act, "dependabot_alerts."):
			a.Severity = max(a.Severity, alert.SeverityMedium)
		}
	},
}

// proofpointSpec: Proofpoint TAP SIEM API (messagesDelivered,
// messagesBlocked, clicksPermitted, clicksBlocked) records.
var proofpointSpec = &spec{
	name: "proofpoint_tap", vendor: "Proofpoint", product: "Targeted Attack Protection",
	envelopes: []string{"messagesDelivered", "messagesBlocked", "clicksPermitted", "clicksBlocked"},
	ref:       []string{"GUID", "id"}, time: []string{"threatTime", "messageTime", "clickTime", "threatsInfoMap.threatTime"},
	ruleID: []string{"threatID", "threatsInfoMap.threatID"}, ruleName: []string{"classification", "threatsInfoMap.classification"},
	tags: []string{"classification", "threatsInfoMap.classification", "threatsInfoMap.threatType", "policyRoutes"},
	entities: []specEntity{
		{alert.EntityEmail, entity.RoleTarget, []string{"recipient", "toAddresses"}},
		{alert.EntityEmail, entity.RoleSrc, []string{"sender", "fromAddress"}},
		{alert.EntityIP, entity.RoleSrc, []string{"senderIP"}},
		{alert.EntityIP, entity.RoleActor, []string{"clickIP"}},
		{alert.EntityURL, entity.RoleRelated, []string{"url", "threatURL", "threatsInfoMap.threatUrl"}},
		{alert.EntityMD5, entity.RoleFile, []string{"messageParts.md5"}},
		{alert.EntitySHA256, entity.RoleFile, []string{"messageParts.sha256"}},
		{alert.EntityFile, entity.RoleFile, []string{"messageParts.filename"}},
	},
	expected: []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qEntities},
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		kind := ""
		for _, k := range []string{"messagesDelivered", "messagesBlocked", "clicksPermitted", "clicksBlocked"} {
			if strings.Contains(v.rec.loc, "."+k+"[") {
				kind = k
			}
		}
		if kind == "" { // a bare record: clicks carry clickTime
			kind = "messagesDelivered"
			if v.str("clickTime") != "" {
				kind = "clicksPermitted"
			}
		}
		class := strings.ToLower(firstNonEmpty(v.str("classification"), v.str("threatsInfoMap.classification")))
		blocked := strings.HasSuffix(kind, "Blocked")
		switch {
		case !blocked && (class == "malware" || class == "phish" || class == "impostor"):
			a.Severity = alert.SeverityHigh
		case blocked:
			a.Severity = alert.SeverityMedium
		default:
			a.Severity = alert.SeverityLow
		}
		verb := map[string]string{"messagesDelivered": "message delivered", "messagesBlocked": "message blocked",
			"clicksPermitted": "click permitted", "clicksBlocked": "click blocked"}[kind]
		a.Title = "Proofpoint TAP " + firstNonEmpty(class, "threat") + " " + verb
		if subj := v.str("subject"); subj != "" {
			a.Title += ": " + subj
		}
		a.Rule.Name = firstNonEmpty(class, a.Rule.Name) + " " + verb
		if strings.HasPrefix(kind, "clicks") {
			a.Techniques = append(a.Techniques, "T1204.001")
		} else {
			a.Techniques = append(a.Techniques, "T1566")
		}
		addTags(a, kind)
		_ = es
	},
}

func parseFloat(s string) (float64, bool) {
	var f flexFloat
	if err := f.UnmarshalJSON([]byte(s)); err != nil || !f.Set {
		return 0, false
	}
	return f.V, true
}

// specSources are the declarative normalizers, registered with the others.
var specSources = []*spec{entraSpec, m365Spec, workspaceSpec, cloudflareSpec, zscalerSpec, cortexSpec, carbonBlackSpec,
	falcoSpec, osquerySpec, k8sAuditSpec, awsWAFSpec, githubSpec, proofpointSpec}
