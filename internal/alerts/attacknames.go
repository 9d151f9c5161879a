package alerts

import (
	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/attack"
)

// AttackNames gives the ATT&CK names of an alert's tactics and techniques
// (from the catalog in use), with the attribution MITRE's terms require
// wherever the names are shown.
type AttackNames struct {
	Tactics     []attack.Tactic    `json:"tactics"`
	Techniques  []attack.Technique `json:"techniques"`
	Attribution string             `json:"attribution"`
	Source      string             `json:"source" doc:"Where the catalog's data came from"`
}

// AlertDetail is one alert with the names of its ATT&CK ids.
type AlertDetail struct {
	alert.Alert
	Attack *AttackNames `json:"attack,omitempty" doc:"Names of the alert's tactics and techniques; absent when it has none"`
}

// detail adds the ATT&CK names to a; ids the catalog does not know keep
// their id as the name.
func detail(a *alert.Alert) *AlertDetail {
	if a == nil {
		return nil
	}
	d := &AlertDetail{Alert: *a}
	if len(a.Tactics) == 0 && len(a.Techniques) == 0 {
		return d
	}
	cat := attack.Default()
	n := &AttackNames{Tactics: []attack.Tactic{}, Techniques: []attack.Technique{}, Attribution: attack.Attribution, Source: cat.Source()}
	for _, key := range a.Tactics {
		t, ok := cat.Tactic(key)
		if !ok {
			t = attack.Tactic{ShortName: key, Name: key}
		}
		n.Tactics = append(n.Tactics, t)
	}
	for _, id := range a.Techniques {
		t, ok := cat.Technique(id)
		if !ok {
			t = attack.Technique{ID: id, Name: id}
		}
		n.Techniques = append(n.Techniques, t)
	}
	d.Attack = n
	return d
}
