package matrix

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// mib is the MB of the soak: 2^20 bytes, the unit of /proc's kB times 1024.
const mib = 1 << 20

// rssSample is one reading of the node during a soak.
type rssSample struct {
	At     time.Duration `json:"at_ns"`     // since the load started
	RSS    int64         `json:"rss_bytes"` // VmRSS
	OpsSec float64       `json:"ops_sec"`   // over the interval that ends at At
}

// soakLimits are what a soak must stay under to pass.
type soakLimits struct {
	RSSMB     float64 `json:"peak_rss_mb"`      // peak RSS
	GrowthPct float64 `json:"growth_pct"`       // last 10% over first 10%, after warm-up
	SlopeMB   float64 `json:"slope_mb_per_min"` // least-squares slope after warm-up
	// Warmup is left out of the growth and the slope (not of the peak).
	Warmup time.Duration `json:"warmup_ns"`
}

// defaultLimits are the single-node issue's: peak RSS under rssMB and flat,
// that is growth under 10% and a slope under 0.5 MB/min after warm-up.
func defaultLimits(rssMB float64, warmup time.Duration) soakLimits {
	return soakLimits{RSSMB: rssMB, GrowthPct: 10, SlopeMB: 0.5, Warmup: warmup}
}

// soakSummary is the outcome of a soak, in MB.
type soakSummary struct {
	Samples  int     `json:"samples"`
	Judged   int     `json:"samples_after_warmup"`
	Window   int     `json:"window"` // samples in each of the first and last 10%
	PeakMB   float64 `json:"peak_rss_mb"`
	HWMMB    float64 `json:"vmhwm_mb"` // the node's high-water mark, 0 when unread
	MaxMB    float64 `json:"max_sample_mb"`
	FirstMB  float64 `json:"first_mean_mb"`
	LastMB   float64 `json:"last_mean_mb"`
	GrowthMB float64 `json:"growth_mb"`
	// GrowthPct is GrowthMB in percent of FirstMB.
	GrowthPct  float64  `json:"growth_pct"`
	SlopeMBMin float64  `json:"slope_mb_per_min"`
	FirstAt    string   `json:"first_window_from"`
	LastTo     string   `json:"last_window_to"`
	MinOpsSec  float64  `json:"min_interval_ops_sec"`
	MaxOpsSec  float64  `json:"max_interval_ops_sec"`
	Pass       bool     `json:"pass"`
	Failures   []string `json:"failures,omitempty"`
}

// summarizeSoak judges the samples against lim. The peak is the larger of
// the highest sample and hwm (the node's VmHWM, which also sees the peaks
// between samples; 0 when it could not be read). The first and last 10%
// (at least one sample each) and the slope are taken over the samples at or
// after the warm-up, so that the growth of the first connections and
// buffers does not count as a leak.
func summarizeSoak(samples []rssSample, hwm int64, lim soakLimits) soakSummary {
	s := soakSummary{Samples: len(samples), HWMMB: float64(hwm) / mib}
	var judged []rssSample
	for i, x := range samples {
		mb := float64(x.RSS) / mib
		s.MaxMB = max(s.MaxMB, mb)
		if i == 0 || x.OpsSec < s.MinOpsSec {
			s.MinOpsSec = x.OpsSec
		}
		s.MaxOpsSec = max(s.MaxOpsSec, x.OpsSec)
		if x.At >= lim.Warmup {
			judged = append(judged, x)
		}
	}
	s.PeakMB = max(s.MaxMB, s.HWMMB)
	s.Judged = len(judged)
	if s.PeakMB >= lim.RSSMB {
		s.Failures = append(s.Failures, fmt.Sprintf("peak RSS %.1f MB is not under %g MB", s.PeakMB, lim.RSSMB))
	}
	if len(judged) < 2 {
		s.Failures = append(s.Failures, fmt.Sprintf("%d samples after the %v warm-up: too few to judge flatness", len(judged), lim.Warmup))
		return s
	}
	s.Window = max(1, (len(judged)+9)/10)
	s.FirstMB = meanRSS(judged[:s.Window])
	s.LastMB = meanRSS(judged[len(judged)-s.Window:])
	s.FirstAt, s.LastTo = judged[0].At.Round(time.Second).String(), judged[len(judged)-1].At.Round(time.Second).String()
	s.GrowthMB = s.LastMB - s.FirstMB
	if s.FirstMB > 0 {
		s.GrowthPct = 100 * s.GrowthMB / s.FirstMB
	}
	s.SlopeMBMin = slopePerMinute(judged)
	if s.GrowthPct >= lim.GrowthPct {
		s.Failures = append(s.Failures, fmt.Sprintf("RSS grew %.1f%% after warm-up, not under %g%%", s.GrowthPct, lim.GrowthPct))
	}
	if s.SlopeMBMin >= lim.SlopeMB {
		s.Failures = append(s.Failures, fmt.Sprintf("RSS slope %.2f MB/min after warm-up, not under %g", s.SlopeMBMin, lim.SlopeMB))
	}
	s.Pass = len(s.Failures) == 0
	return s
}

// meanRSS returns the mean RSS of xs in MB.
func meanRSS(xs []rssSample) float64 {
	var sum float64
	for _, x := range xs {
		sum += float64(x.RSS) / mib
	}
	return sum / float64(len(xs))
}

// slopePerMinute fits RSS (MB) = a + b * time (minutes) by least squares and
// returns b; 0 when the samples do not span any time.
func slopePerMinute(xs []rssSample) float64 {
	var mx, my float64
	for _, x := range xs {
		mx += x.At.Minutes()
		my += float64(x.RSS) / mib
	}
	n := float64(len(xs))
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for _, x := range xs {
		dx := x.At.Minutes() - mx
		sxy += dx * (float64(x.RSS)/mib - my)
		sxx += dx * dx
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

// verdict is the last line of a soak: PASS, or FAIL with the reasons.
func (s soakSummary) verdict() string {
	if s.Pass {
		return "verdict:  PASS"
	}
	return "verdict:  FAIL: " + strings.Join(s.Failures, "; ")
}

// writeSoakSummary prints the summary table and the verdict. opsSec is the
// whole run's mean and errors its error replies.
func writeSoakSummary(w io.Writer, s soakSummary, lim soakLimits, opsSec float64, errors int64) {
	row := func(label, value, note, limit string) {
		line := fmt.Sprintf("  %-10s %14s  %-40s %s", label, value, note, limit)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(w, "\nsummary (MB = 2^20 bytes)\n")
	row("samples", strconv.Itoa(s.Samples), fmt.Sprintf("%d at or after the %v warm-up", s.Judged, lim.Warmup), "")
	peak := fmt.Sprintf("VmHWM %.1f, highest sample %.1f", s.HWMMB, s.MaxMB)
	if s.HWMMB == 0 {
		peak = "highest sample (VmHWM not read)"
	}
	row("peak RSS", fmt.Sprintf("%.1f MB", s.PeakMB), peak, fmt.Sprintf("limit < %g MB", lim.RSSMB))
	if s.Window > 0 {
		n := fmt.Sprintf("mean of %d samples", s.Window)
		if s.Window == 1 {
			n = "one sample"
		}
		row("first 10%", fmt.Sprintf("%.1f MB", s.FirstMB), n+" from "+s.FirstAt, "")
		row("last 10%", fmt.Sprintf("%.1f MB", s.LastMB), n+" to "+s.LastTo, "")
		row("growth", fmt.Sprintf("%+.1f MB", s.GrowthMB), fmt.Sprintf("%+.1f%% last over first", s.GrowthPct), fmt.Sprintf("limit < %g%%", lim.GrowthPct))
		row("slope", fmt.Sprintf("%+.3f MB/min", s.SlopeMBMin), "least squares after warm-up", fmt.Sprintf("limit < %g MB/min", lim.SlopeMB))
	}
	row("ops/s", fmt.Sprintf("%.0f", opsSec), fmt.Sprintf("mean; intervals %.0f to %.0f; %d error replies", s.MinOpsSec, s.MaxOpsSec, errors), "")
	fmt.Fprintln(w, s.verdict())
}
