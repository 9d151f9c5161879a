package normalize

import (
	"encoding/json"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// defenderNormalizer maps Microsoft Defender alerts: Defender for Endpoint
// API alerts (/api/alerts, evidence as an object or array) and Microsoft
// Graph security alerts v2 (#microsoft.graph.security.alert), single or in
// an OData {"value": [...]} envelope.
type defenderNormalizer struct{}

func (defenderNormalizer) SourceType() string { return "defender" }

type defFile struct {
	SHA1     string `json:"sha1"`
	SHA256   string `json:"sha256"`
	FileName string `json:"fileName"`
	FilePath string `json:"filePath"`
}

type defAccount struct {
	AccountName       string `json:"accountName"`
	DomainName        string `json:"domainName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

type defEvidence struct {
	ODataType string `json:"@odata.type"`
	// Defender for Endpoint API evidence.
	EntityType         string `json:"entityType"`
	SHA1               string `json:"sha1"`
	SHA256             string `json:"sha256"`
	FileName           string `json:"fileName"`
	FilePath           string `json:"filePath"`
	ProcessCommandLine string `json:"processCommandLine"`
	IPAddress          string `json:"ipAddress"`
	URL                string `json:"url"`
	AccountName        string `json:"accountName"`
	DomainName         string `json:"domainName"`
	UserPrincipalName  string `json:"userPrincipalName"`
	// Graph alerts_v2 evidence.
	DeviceDNSName string      `json:"deviceDnsName"`
	IPInterfaces  []string    `json:"ipInterfaces"`
	FileDetails   *defFile    `json:"fileDetails"`
	ImageFile     *defFile    `json:"imageFile"`
	UserAccount   *defAccount `json:"userAccount"`
	RegistryKey   string      `json:"registryKey"`
	Roles         []string    `json:"roles"`
	// Graph deviceEvidence: the device's addresses and logged-on users.
	HostName              string       `json:"hostName"`
	NTDomain              string       `json:"ntDomain"`
	LastIPAddress         string       `json:"lastIpAddress"`
	LastExternalIPAddress string       `json:"lastExternalIpAddress"`
	LoggedOnUsers         []defAccount `json:"loggedOnUsers"`
	// processEvidence / mail evidence.
	ParentProcessImageFile *defFile `json:"parentProcessImageFile"`
	SenderIP               string   `json:"senderIp"`
	RecipientEmailAddress  string   `json:"recipientEmailAddress"`
	PrimaryAddress         string   `json:"primaryAddress"`
	// Defender for Endpoint API evidence.
	ParentProcessFileName string `json:"parentProcessFileName"`
}

type defAlert struct {
	ID              string          `json:"id"`
	Title           string          `json:"title"`
	Description     string          `json:"description"`
	Severity        string          `json:"severity"`
	Status          string          `json:"status"`
	Classification  string          `json:"classification"`
	Category        string          `json:"category"`
	DetectionSource string          `json:"detectionSource"`
	ThreatFamily    string          `json:"threatFamilyName"`
	MitreTechniques []string        `json:"mitreTechniques"`
	Evidence        json.RawMessage `json:"evidence"`
	// MDE API.
	AlertCreationTime string `json:"alertCreationTime"`
	FirstEventTime    string `json:"firstEventTime"`
	ComputerDNSName   string `json:"computerDnsName"`
	RelatedUser       *struct {
		UserName   string `json:"userName"`
		DomainName string `json:"domainName"`
	} `json:"relatedUser"`
	// Graph v2.
	CreatedDateTime       string `json:"createdDateTime"`
	FirstActivityDateTime string `json:"firstActivityDateTime"`
	DetectorID            string `json:"detectorId"`
	ServiceSource         string `json:"serviceSource"`
	ProviderAlertID       string `json:"providerAlertId"`
	ThreatDisplayName     string `json:"threatDisplayName"`
}

var defMapped = set("id", "title", "description", "severity", "status", "classification", "category", "detectionSource",
	"threatFamilyName", "mitreTechniques", "evidence", "alertCreationTime", "firstEventTime", "computerDnsName",
	"relatedUser", "createdDateTime", "firstActivityDateTime", "detectorId", "serviceSource", "threatDisplayName")

var defExpected = []string{qEventTime, qSeverity, qTitle, qDescription, qSourceRef, qRule, qHost, qEntities}

func (n defenderNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes("value"), n.one)
}

func (defenderNormalizer) one(rec record) (alert.Alert, bool, error) {
	var d defAlert
	if err := decode(rec, &d); err != nil {
		return alert.Alert{}, false, err
	}
	sev, ok := severityFromText(d.Severity)
	if !ok && d.Severity != "" && !strings.EqualFold(d.Severity, "unspecified") && !strings.EqualFold(d.Severity, "unknown") {
		return alert.Alert{}, false, invalid(rec, "severity", "unknown Defender severity "+d.Severity)
	}
	graph := strings.Contains(string(member(rec.raw, "@odata.type")), "security.alert") || d.CreatedDateTime != ""
	a := alert.Alert{
		Source:      alert.Source{Type: "defender", Vendor: "Microsoft", Product: "Microsoft Defender for Endpoint"},
		Title:       d.Title,
		Description: d.Description,
		SourceRef:   d.ID,
		Severity:    sev,
		EventTime:   parseTime(firstNonEmpty(d.FirstEventTime, d.FirstActivityDateTime, d.AlertCreationTime, d.CreatedDateTime)),
		Rule:        alert.Rule{ID: d.DetectorID, Name: d.Title},
	}
	if graph {
		a.Source.Product = "Microsoft 365 Defender"
		if d.ServiceSource != "" {
			a.Source.Product = d.ServiceSource
		}
	}
	switch strings.ToLower(d.Status) {
	case "resolved":
		a.Status = alert.StatusResolved
	}
	if strings.EqualFold(d.Classification, "falsepositive") {
		a.Status = alert.StatusFalsePositive
	}
	addTactics(&a, d.Category)
	addTechniques(&a, d.MitreTechniques...)
	addTags(&a, d.Category, d.DetectionSource, firstNonEmpty(d.ThreatFamily, d.ThreatDisplayName))

	var es entity.Set
	es.Add(alert.EntityHostname, d.ComputerDNSName, entity.RoleHost)
	if u := d.RelatedUser; u != nil {
		es.Add(alert.EntityUser, qualifiedUser(u.DomainName, u.UserName), entity.RoleActor)
	}
	evs := objOrArray(d.Evidence)
	for i, raw := range evs {
		var ev defEvidence
		if err := json.Unmarshal(raw, &ev); err != nil {
			return alert.Alert{}, false, jsonError(rec.loc+".evidence["+itoa(i)+"]", err)
		}
		addDefenderEvidence(&es, ev)
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, defMapped, defExpected)
	return a, true, nil
}

func addDefenderEvidence(es *entity.Set, ev defEvidence) {
	switch {
	case strings.HasSuffix(ev.ODataType, "deviceEvidence"):
		if !es.Add(alert.EntityHostname, ev.DeviceDNSName, entity.RoleHost) {
			es.Add(alert.EntityHostname, ev.HostName, entity.RoleHost)
		}
		es.AddAll(alert.EntityIP, ev.IPInterfaces, entity.RoleHost)
		es.Add(alert.EntityIP, ev.LastIPAddress, entity.RoleHost)
		es.Add(alert.EntityIP, ev.LastExternalIPAddress, entity.RoleHost)
		for _, u := range ev.LoggedOnUsers {
			es.Add(alert.EntityUser, qualifiedUser(u.DomainName, u.AccountName), entity.RoleActor)
		}
		return
	case strings.HasSuffix(ev.ODataType, "registryKeyEvidence"):
		es.Add(entity.TypeRegistryKey, ev.RegistryKey, entity.RoleRelated)
		return
	}
	addFile := func(f *defFile, role string) {
		if f == nil {
			return
		}
		es.Add(alert.EntitySHA1, f.SHA1, role)
		es.Add(alert.EntitySHA256, f.SHA256, role)
		t := alert.EntityFile
		if role == entity.RoleProcess {
			t = alert.EntityProcess
		}
		es.Add(t, joinPath(f.FilePath, f.FileName), role)
	}
	addFile(ev.FileDetails, entity.RoleFile)
	addFile(ev.ImageFile, entity.RoleProcess)
	if p := ev.ParentProcessImageFile; p != nil {
		es.Add(alert.EntityProcess, joinPath(p.FilePath, p.FileName), entity.RoleRelated)
	}
	es.Add(alert.EntityProcess, ev.ParentProcessFileName, entity.RoleRelated)
	es.Add(alert.EntityIP, ev.SenderIP, entity.RoleSrc)
	es.Add(alert.EntityEmail, ev.RecipientEmailAddress, entity.RoleTarget)
	es.Add(alert.EntityEmail, ev.PrimaryAddress, entity.RoleTarget)
	es.Scan(ev.ProcessCommandLine)
	if u := ev.UserAccount; u != nil {
		es.Add(alert.EntityUser, qualifiedUser(u.DomainName, u.AccountName), entity.RoleActor)
		es.Add(alert.EntityEmail, u.UserPrincipalName, entity.RoleActor)
	}
	switch strings.ToLower(ev.EntityType) {
	case "file":
		addFile(&defFile{SHA1: ev.SHA1, SHA256: ev.SHA256, FileName: ev.FileName, FilePath: ev.FilePath}, entity.RoleFile)
	case "process":
		addFile(&defFile{SHA1: ev.SHA1, SHA256: ev.SHA256, FileName: ev.FileName, FilePath: ev.FilePath}, entity.RoleProcess)
	case "user":
		es.Add(alert.EntityUser, qualifiedUser(ev.DomainName, ev.AccountName), entity.RoleActor)
		es.Add(alert.EntityEmail, ev.UserPrincipalName, entity.RoleActor)
	case "ip":
		es.Add(alert.EntityIP, ev.IPAddress, entity.RoleRelated)
	case "url":
		es.Add(alert.EntityURL, ev.URL, entity.RoleRelated)
	}
	es.Add(alert.EntityIP, ev.IPAddress, entity.RoleRelated)
	es.Add(alert.EntityURL, ev.URL, entity.RoleRelated)
}

// qualifiedUser is DOMAIN\user, or user alone.
func qualifiedUser(domain, user string) string {
	if user == "" || domain == "" {
		return user
	}
	return domain + `\` + user
}

// joinPath joins a Windows or POSIX directory and a file name.
func joinPath(dir, name string) string {
	switch {
	case dir == "":
		return name
	case name == "":
		return dir
	case strings.HasSuffix(dir, `\`) || strings.HasSuffix(dir, "/"):
		return dir + name
	case strings.Contains(dir, `\`):
		return dir + `\` + name
	}
	return dir + "/" + name
}
