package normalize

import (
	"fmt"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// Newer vendor API shapes read by an existing source type's normalizer
// (see crowdstrike.go, sentinelone.go).

// csAlertSpec: CrowdStrike Falcon Alerts API v2 records
// (/alerts/entities/alerts/v2: snake_case, composite_id, device{},
// parent_details{}, network_accesses[]) and legacy Detects API summaries
// (detection_id, behaviors[], max_severity_displayname).
var csAlertSpec = &spec{
	name: "crowdstrike", vendor: "CrowdStrike", product: "Falcon",
	title:      []string{"display_name", "name", "behaviors.display_name", "behaviors.scenario"},
	desc:       []string{"description", "behaviors.description"},
	ref:        []string{"composite_id", "detection_id", "id"},
	ruleID:     []string{"pattern_id", "behaviors.pattern_id", "behaviors.behavior_id"},
	ruleName:   []string{"display_name", "name", "behaviors.display_name", "scenario"},
	time:       []string{"timestamp", "context_timestamp", "first_behavior", "behaviors.timestamp", "created_timestamp", "crawled_timestamp"},
	status:     []string{"status"},
	tactics:    []string{"tactic_id", "tactic", "behaviors.tactic_id", "behaviors.tactic"},
	techniques: []string{"technique_id", "behaviors.technique_id", "mitre_attack.technique_id", "mitre_attack.pattern_id"},
	tags:       []string{"product", "type", "scenario", "objective", "pattern_disposition_description", "behaviors.objective", "source_products"},
	entities: []specEntity{
		{alert.EntityHostname, entity.RoleHost, []string{"device.hostname", "device.external_ip", "hostname"}},
		{alert.EntityIP, entity.RoleHost, []string{"device.local_ip", "device.external_ip", "local_ip"}},
		{alert.EntityProcess, entity.RoleProcess, []string{"filepath", "filename", "behaviors.filepath", "behaviors.filename"}},
		{alert.EntitySHA256, entity.RoleProcess, []string{"sha256", "behaviors.sha256"}},
		{alert.EntityMD5, entity.RoleProcess, []string{"md5", "behaviors.md5"}},
		{alert.EntitySHA1, entity.RoleProcess, []string{"sha1", "behaviors.sha1"}},
		{alert.EntityProcess, entity.RoleRelated, []string{"parent_details.filepath", "parent_details.filename", "behaviors.parent_details.parent_process_graph_id"}},
		{alert.EntitySHA256, entity.RoleRelated, []string{"parent_details.sha256", "behaviors.parent_details.parent_sha256", "grandparent_details.sha256"}},
		{alert.EntityIP, entity.RoleDst, []string{"network_accesses.remote_address", "behaviors.network_accesses.remote_address"}},
		{alert.EntityIP, entity.RoleSrc, []string{"network_accesses.local_address"}},
		{alert.EntityDomain, entity.RoleRelated, []string{"dns_requests.domain_name"}},
	},
	scan:     []string{"cmdline", "behaviors.cmdline", "parent_details.cmdline"},
	expected: csExpected,
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		// Severity: severity_name / max_severity_displayname words, else
		// the 0..100 score (10 informational .. 90 critical).
		if s, ok := severityFromText(v.str("severity_name", "max_severity_displayname", "behaviors.severity_name")); ok {
			a.Severity = s
		} else if f, ok := parseFloat(v.str("severity", "max_severity", "behaviors.severity")); ok {
			a.Severity = severityFrom100(f)
		}
		if a.Rule.ID == "" {
			a.Rule.ID = a.Rule.Name
		}
		domain := v.str("logon_domain", "device.machine_domain", "behaviors.logon_domain")
		for _, u := range v.all("user_name", "behaviors.user_name") {
			if strings.Contains(u, `\`) || strings.Contains(u, "@") {
				addEntity(es, alert.EntityUser, u, entity.RoleActor)
			} else {
				addEntity(es, alert.EntityUser, qualifiedUser(domain, u), entity.RoleActor)
			}
		}
		switch t := strings.ToLower(v.str("ioc_type", "behaviors.ioc_type")); t {
		case "hash_sha256", "hash_md5", "hash_sha1":
			es.AddHash(v.str("ioc_value", "behaviors.ioc_value"), entity.RoleRelated)
		case "domain":
			es.Add(alert.EntityDomain, v.str("ioc_value", "behaviors.ioc_value"), entity.RoleRelated)
		case "ipv4", "ipv6":
			es.Add(alert.EntityIP, v.str("ioc_value", "behaviors.ioc_value"), entity.RoleRelated)
		}
		switch strings.ToLower(v.str("status")) {
		case "closed":
			a.Status = alert.StatusResolved
		case "in_progress":
			a.Status = alert.StatusTriaged
		}
	},
}

// isCSAlertAPI reports a Falcon Alerts API or Detects API record.
func isCSAlertAPI(o []byte) bool {
	return member(o, "composite_id") != nil || member(o, "detection_id") != nil && member(o, "behaviors") != nil ||
		member(o, "aggregate_id") != nil && member(o, "severity") != nil ||
		member(o, "cid") != nil && member(o, "pattern_id") != nil
}

// s1AlertSpec: SentinelOne alerts (Management API
// /web/api/v2.1/cloud-detection/alerts: STAR and custom-rule alerts with
// alertInfo, ruleInfo, sourceProcessInfo, sourceParentProcessInfo,
// targetProcessInfo, agentDetectionInfo, agentRealtimeInfo).
var s1AlertSpec = &spec{
	name: "sentinelone", vendor: "SentinelOne", product: "Singularity",
	title:      []string{"ruleInfo.name", "alertInfo.indicatorName"},
	desc:       []string{"ruleInfo.description", "alertInfo.indicatorDescription"},
	ref:        []string{"alertInfo.alertId", "id"},
	ruleID:     []string{"ruleInfo.id"},
	ruleName:   []string{"ruleInfo.name"},
	time:       []string{"alertInfo.eventTime", "alertInfo.createdAt", "alertInfo.reportedAt", "createdAt"},
	sev:        []string{"ruleInfo.severity", "alertInfo.severity", "severity"},
	status:     []string{"alertInfo.incidentStatus"},
	tactics:    []string{"alertInfo.mitreTactics", "ruleInfo.mitreTactics"},
	techniques: []string{"alertInfo.mitreTechniques", "ruleInfo.mitreTechniques"},
	tags:       []string{"alertInfo.source", "alertInfo.eventType", "alertInfo.hitType", "alertInfo.indicatorCategory", "ruleInfo.queryType"},
	entities: []specEntity{
		{alert.EntityHostname, entity.RoleHost, []string{"agentDetectionInfo.name", "agentRealtimeInfo.name", "agentDetectionInfo.agentComputerName"}},
		{alert.EntityIP, entity.RoleHost, []string{"agentDetectionInfo.agentIpV4", "agentDetectionInfo.agentIpV6", "agentDetectionInfo.externalIp", "alertInfo.srcMachineIp"}},
		{alert.EntityIP, entity.RoleSrc, []string{"alertInfo.srcIp"}},
		{alert.EntityIP, entity.RoleDst, []string{"alertInfo.dstIp"}},
		{alert.EntityDomain, entity.RoleDst, []string{"alertInfo.dnsRequest"}},
		{alert.EntityUser, entity.RoleActor, []string{"sourceProcessInfo.user", "alertInfo.loginsUserName"}},
		{alert.EntityProcess, entity.RoleProcess, []string{"sourceProcessInfo.filePath", "sourceProcessInfo.name"}},
		{alert.EntitySHA256, entity.RoleProcess, []string{"sourceProcessInfo.fileHashSha256"}},
		{alert.EntitySHA1, entity.RoleProcess, []string{"sourceProcessInfo.fileHashSha1"}},
		{alert.EntityMD5, entity.RoleProcess, []string{"sourceProcessInfo.fileHashMd5"}},
		{alert.EntityProcess, entity.RoleRelated, []string{"sourceParentProcessInfo.filePath", "sourceParentProcessInfo.name"}},
		{alert.EntitySHA256, entity.RoleRelated, []string{"sourceParentProcessInfo.fileHashSha256"}},
		{alert.EntityProcess, entity.RoleTarget, []string{"targetProcessInfo.tgtProcImagePath", "targetProcessInfo.tgtProcName"}},
		{alert.EntityFile, entity.RoleFile, []string{"targetProcessInfo.tgtFilePath", "alertInfo.modulePath"}},
		{alert.EntitySHA256, entity.RoleFile, []string{"targetProcessInfo.tgtFileHashSha256"}},
		{alert.EntitySHA1, entity.RoleFile, []string{"targetProcessInfo.tgtFileHashSha1", "alertInfo.moduleSha1"}},
		{entity.TypeRegistryKey, entity.RoleRelated, []string{"alertInfo.registryKeyPath"}},
		{alert.EntityCloudID, entity.RoleResource, []string{"kubernetesInfo.pod", "containerInfo.id"}},
	},
	scan:     []string{"sourceProcessInfo.commandline", "targetProcessInfo.tgtProcCmdLine", "alertInfo.tiIndicatorValue"},
	expected: s1Expected,
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		if strings.EqualFold(v.str("alertInfo.analystVerdict"), "false_positive") {
			a.Status = alert.StatusFalsePositive
		}
		if a.Title == "" {
			a.Title = "SentinelOne alert"
		}
		if a.Severity == alert.SeverityUnknown {
			a.Severity = alert.SeverityMedium // a rule fired but named no severity
		}
		switch strings.ToLower(v.str("alertInfo.tiIndicatorType")) {
		case "sha256", "sha1", "md5":
			es.AddHash(v.str("alertInfo.tiIndicatorValue"), entity.RoleRelated)
		case "dns", "domain":
			es.Add(alert.EntityDomain, v.str("alertInfo.tiIndicatorValue"), entity.RoleRelated)
		case "ipv4", "ipv6", "ip":
			es.Add(alert.EntityIP, v.str("alertInfo.tiIndicatorValue"), entity.RoleRelated)
		}
	},
}

// isS1Alert reports a SentinelOne cloud-detection alert.
func isS1Alert(o []byte) bool {
	return member(o, "alertInfo") != nil || member(o, "ruleInfo") != nil && (member(o, "sourceProcessInfo") != nil || member(o, "agentDetectionInfo") != nil)
}

// s1UAMSpec: SentinelOne Unified Alert Management alerts (the GraphQL API
// at /web/api/v2.1/unifiedalerts/graphql: UnifiedAlert / UnifiedAlertDetail
// nodes with detectedAt, analytics{}, detectionSource{}, assets[],
// detectionTime{}, process{}, indicators[], observables[]), as one node,
// a list, NDJSON, or in the API's own answers ({"data":{"alerts":{"edges":
// [{"node":…}]}}} and {"data":{"alert":…}}; see s1Records).
var s1UAMSpec = &spec{
	name: "sentinelone", vendor: "SentinelOne", product: "Singularity",
	title:      []string{"name", "analytics.name", "indicators.title"},
	desc:       []string{"description", "indicators.description"},
	ref:        []string{"id", "externalId"},
	ruleID:     []string{"analytics.uid", "analytics.name"},
	ruleName:   []string{"analytics.name", "name"},
	time:       []string{"detectedAt", "firstSeenAt", "indicators.eventTime", "createdAt"},
	sev:        []string{"severity"},
	tactics:    []string{"indicators.attacks.tactic.uid", "indicators.attacks.tactic.name", "mitreTactics"},
	techniques: []string{"indicators.attacks.technique.uid", "mitreTechniques"},
	tags:       []string{"classification", "attackSurfaces", "detectionSource.product", "analytics.category", "analytics.typeValue", "labels"},
	entities: []specEntity{
		{alert.EntityHostname, entity.RoleHost, []string{"assets.name", "detectionTime.asset.domain"}},
		{alert.EntityIP, entity.RoleHost, []string{"detectionTime.asset.ipV4", "detectionTime.asset.ipV4Addresses", "detectionTime.asset.ipV6",
			"detectionTime.asset.ipV6Addresses", "detectionTime.asset.consoleIpAddress", "detectionTime.assets.asset.ipV4"}},
		{alert.EntityIP, entity.RoleSrc, []string{"detectionTime.attacker.ip"}},
		{alert.EntityHostname, entity.RoleSrc, []string{"detectionTime.attacker.host"}},
		{alert.EntityUser, entity.RoleTarget, []string{"detectionTime.targetUser.emailAddress", "detectionTime.targetUser.name"}},
		{alert.EntityProcess, entity.RoleProcess, []string{"process.file.path", "process.file.name"}},
		{alert.EntitySHA256, entity.RoleProcess, []string{"process.file.sha256"}},
		{alert.EntitySHA1, entity.RoleProcess, []string{"process.file.sha1"}},
		{alert.EntityMD5, entity.RoleProcess, []string{"process.file.md5"}},
		{alert.EntityProcess, entity.RoleRelated, []string{"process.parentName"}},
		{alert.EntitySHA256, entity.RoleRelated, []string{"exclusionHashes.sha256"}},
		{alert.EntityCloudID, entity.RoleResource, []string{"detectionTime.cloud.instanceId", "detectionTime.kubernetes.podName", "detectionTime.kubernetes.containerId"}},
	},
	scan:     []string{"process.cmdLine"},
	expected: s1Expected,
	post: func(v *view, a *alert.Alert, es *entity.Set) {
		// The process's user, qualified by its domain; the asset's last
		// logged-in user is context (related), not the actor.
		if u := v.str("process.username"); u != "" {
			if d := v.str("process.userDomain"); d != "" && !strings.ContainsAny(u, `\@`) {
				u = qualifiedUser(d, u)
			}
			addEntity(es, alert.EntityUser, u, entity.RoleActor)
		}
		for _, u := range v.all("assets.lastLoggedInUser", "detectionTime.asset.lastLoggedInUser") {
			addEntity(es, alert.EntityUser, u, entity.RoleRelated)
		}
		// Observables name their type: IP, domain, URL, hashes, users.
		for _, o := range s1Observables(v.raw("observables"), v.raw("indicators")) {
			typ := strings.ToLower(clean(scalar(member(o, "typeName")) + " " + scalar(member(o, "type")) + " " + scalar(member(o, "name"))))
			val := clean(scalar(member(o, "value")))
			switch {
			case val == "":
			case strings.Contains(typ, "ip"):
				es.Add(alert.EntityIP, val, entity.RoleRelated)
			case strings.Contains(typ, "domain") || strings.Contains(typ, "hostname"):
				es.Add(alert.EntityDomain, val, entity.RoleRelated)
			case strings.Contains(typ, "url"):
				es.Add(alert.EntityURL, val, entity.RoleRelated)
			case strings.Contains(typ, "hash") || strings.Contains(typ, "sha") || strings.Contains(typ, "md5"):
				es.AddHash(val, entity.RoleRelated)
			case strings.Contains(typ, "email"):
				es.Add(alert.EntityEmail, val, entity.RoleRelated)
			case strings.Contains(typ, "user"):
				addEntity(es, alert.EntityUser, val, entity.RoleRelated)
			}
		}
		switch strings.ToUpper(v.str("status")) {
		case "RESOLVED":
			a.Status = alert.StatusResolved
		case "IN_PROGRESS":
			a.Status = alert.StatusTriaged
		}
		if strings.HasPrefix(strings.ToUpper(v.str("analystVerdict")), "FALSE_POSITIVE") {
			a.Status = alert.StatusFalsePositive
		}
		if a.Title == "" {
			a.Title = "SentinelOne alert"
		}
		if a.Severity == alert.SeverityUnknown {
			a.Severity = alert.SeverityMedium // an alert was raised but named no severity
		}
	},
}

// s1Observables returns the objects of the observables list and of every
// indicator's observables.
func s1Observables(observables, indicators []byte) [][]byte {
	var out [][]byte
	if els, ok := elements(observables); ok {
		out = append(out, els...)
	}
	if inds, ok := elements(indicators); ok {
		for _, ind := range inds {
			if els, ok := elements(member(ind, "observables")); ok {
				out = append(out, els...)
			}
		}
	}
	return out
}

// isS1UAM reports a Unified Alert Management node: detectionSource is an
// object ({product, vendor}; Defender's is a string) or the node carries
// the UAM-only members.
func isS1UAM(o []byte) bool {
	if ds := member(o, "detectionSource"); len(ds) > 0 && ds[0] == '{' && (member(ds, "product") != nil || member(ds, "vendor") != nil) {
		return true
	}
	return member(o, "detectedAt") != nil && (member(o, "analytics") != nil || member(o, "attackSurfaces") != nil ||
		member(o, "assets") != nil || member(o, "storylineId") != nil || member(o, "analystVerdict") != nil)
}

// s1GraphQLNodes returns the alert nodes of a UAM GraphQL answer
// ({"data":{"alerts":{"edges":[{"node":…}]}}}, {"data":{"alert":…}}, or
// the same without "data") and whether r is one.
func s1GraphQLNodes(r record) ([]record, bool) {
	base, loc := r.raw, r.loc
	if d := member(base, "data"); len(d) > 0 && d[0] == '{' {
		base, loc = d, loc+".data"
	}
	if a := member(base, "alert"); len(a) > 0 && a[0] == '{' {
		return []record{{raw: a, loc: loc + ".alert"}}, true
	}
	conn := member(base, "alerts")
	if len(conn) == 0 || conn[0] != '{' {
		if member(base, "edges") == nil {
			return nil, false
		}
		conn = base
	} else {
		loc += ".alerts"
	}
	edges, ok := elements(member(conn, "edges"))
	if !ok {
		return nil, false
	}
	out := make([]record, 0, len(edges))
	for i, e := range edges {
		if n := member(e, "node"); len(n) > 0 && n[0] == '{' {
			out = append(out, record{raw: n, loc: fmt.Sprintf("%s.edges[%d].node", loc, i)})
		}
	}
	return out, true
}
