package intel

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/db"
)

// DecayModel scores indicators like MISP's decaying models: a base score
// from the source confidence, raised by sightings and lowered by false
// positives, decays polynomially over the type's lifetime since the
// indicator was last seen:
//
//	score = base × (1 − (t / lifetime)^(1 / speed)),  base = confidence + SightingBonus×sightings (≤ MaxSightingBonus) − FalsePositivePenalty×false positives
//
// An indicator whose score is below Threshold stops matching (its
// expires_at is when the score crosses it) and the expiry job marks it
// expired.
type DecayModel struct {
	// Lifetime per indicator type; types absent use DefaultLifetime.
	Lifetime        map[Type]time.Duration
	DefaultLifetime time.Duration
	// Speed is MISP's decay speed δ: 1 decays linearly, above 1 faster
	// at first, below 1 slower.
	Speed                float64
	Threshold            float64
	SightingBonus        float64
	MaxSightingBonus     float64
	FalsePositivePenalty float64
}

// DefaultDecay is the model used unless configured.
func DefaultDecay() DecayModel {
	day := 24 * time.Hour
	return DecayModel{
		Lifetime: map[Type]time.Duration{
			TypeIPv4: 30 * day, TypeIPv6: 30 * day, TypeCIDR: 90 * day, TypeURL: 90 * day, TypeDomain: 180 * day,
			TypeEmail: 180 * day, TypeMD5: 365 * day, TypeSHA1: 365 * day, TypeSHA256: 365 * day, TypeFile: 365 * day,
			TypeJA3: 180 * day, TypeJA4: 180 * day,
		},
		DefaultLifetime: 90 * day, Speed: 1, Threshold: 20, SightingBonus: 2, MaxSightingBonus: 20, FalsePositivePenalty: 15,
	}
}

// ParseLifetimes applies "type=duration,…" (durations as Go durations or
// "<n>d") to m.
func (m *DecayModel) ParseLifetimes(s string) error {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || !Type(k).Valid() {
			return fmt.Errorf("intel: decay lifetime %q: want <type>=<duration>", part)
		}
		var d time.Duration
		if n, err := strconv.Atoi(strings.TrimSuffix(v, "d")); err == nil && strings.HasSuffix(v, "d") {
			d = time.Duration(n) * 24 * time.Hour
		} else if d, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("intel: decay lifetime %q: %w", part, err)
		}
		if d <= 0 {
			return fmt.Errorf("intel: decay lifetime %q must be positive", part)
		}
		if m.Lifetime == nil {
			m.Lifetime = map[Type]time.Duration{}
		}
		m.Lifetime[Type(k)] = d
	}
	return nil
}

func (m *DecayModel) lifetime(t Type) time.Duration {
	if d, ok := m.Lifetime[t]; ok {
		return d
	}
	if m.DefaultLifetime > 0 {
		return m.DefaultLifetime
	}
	return 90 * 24 * time.Hour
}

func (m *DecayModel) base(ind *Indicator) float64 {
	b := float64(ind.Confidence) + min(m.SightingBonus*float64(ind.Sightings), m.MaxSightingBonus) - m.FalsePositivePenalty*float64(ind.FalsePositives)
	return min(max(b, 0), 100)
}

func (m *DecayModel) speed() float64 {
	if m.Speed <= 0 {
		return 1
	}
	return m.Speed
}

// Score is ind's decay score (0–100) at now.
func (m *DecayModel) Score(ind *Indicator, now time.Time) int {
	t := now.Sub(ind.LastSeen)
	if t < 0 {
		t = 0
	}
	frac := float64(t) / float64(m.lifetime(ind.Type))
	if frac >= 1 {
		return 0
	}
	return int(math.Round(m.base(ind) * (1 - math.Pow(frac, 1/m.speed()))))
}

// ExpiresAt is when ind's score falls below the threshold (valid_until
// when earlier); for an indicator already below, its last sighting.
func (m *DecayModel) ExpiresAt(ind *Indicator) time.Time {
	b := m.base(ind)
	exp := ind.LastSeen
	if b > m.Threshold {
		// b·(1 − x^(1/δ)) = θ  ⇒  x = (1 − θ/b)^δ
		x := math.Pow(1-m.Threshold/b, m.speed())
		exp = ind.LastSeen.Add(time.Duration(x * float64(m.lifetime(ind.Type))))
	}
	if ind.ValidUntil != nil && ind.ValidUntil.Before(exp) {
		exp = *ind.ValidUntil
	}
	return exp.UTC().Truncate(time.Second)
}

// ExpireArgs is the periodic job marking decayed indicators expired.
type ExpireArgs struct{}

// Kind is the River job kind.
func (ExpireArgs) Kind() string { return "intel.expire" }

// Expirer marks decayed and past-validity indicators of every org
// expired; the index refresh then drops them on every replica.
type Expirer struct {
	river.WorkerDefaults[ExpireArgs]
	Store *Store
}

// Work implements river.Worker.
func (w *Expirer) Work(ctx context.Context, _ *river.Job[ExpireArgs]) error {
	_, err := w.Store.Expire(ctx)
	return err
}

// Expire marks every indicator past its decay expiry or validity expired
// and returns how many.
func (s *Store) Expire(ctx context.Context) (int64, error) {
	now := s.now()
	var n int64
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if tx.Dialect == db.Postgres {
			return tx.QueryRowContext(ctx, `SELECT intel_expire_indicators($1)`, now).Scan(&n)
		}
		res, err := tx.ExecContext(ctx, `UPDATE intel_indicators SET expired = true, updated_at = $1
WHERE NOT expired AND NOT deleted AND (expires_at < $1 OR valid_until < $1)`, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("intel: expire indicators: %w", err)
	}
	return n, nil
}

// ExpirePeriodic runs the expiry job every interval.
func ExpirePeriodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return ExpireArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: "intel_expire"})
}
