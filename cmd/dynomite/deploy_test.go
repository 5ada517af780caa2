package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gopkg.in/yaml.v3"
)

const deployDir = "../../docs/deploy"

// checkConf runs `dynomite -t` on a configuration and fails unless it is
// valid.
func checkConf(t *testing.T, name, body string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dynomite.yml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, "-t", "-c", path)
	if code != 0 || !strings.Contains(stderr, "syntax is valid") {
		t.Fatalf("unexpected -t result for %s: exit %d:\n%s", name, code, stderr)
	}
}

// TestDeployKubernetes decodes every document of the Kubernetes example and
// checks the Dynomite configuration it embeds and the wiring around it.
func TestDeployKubernetes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "kubernetes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type object struct {
		Kind     string                `yaml:"kind"`
		Metadata struct{ Name string } `yaml:"metadata"`
		Data     map[string]string     `yaml:"data"`
		Spec     map[string]any        `yaml:"spec"`
	}
	kinds := map[string]int{}
	var confs, statefulSets []object
	headless := false
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("cannot decode kubernetes.yaml: %v", err)
		}
		kinds[o.Kind]++
		switch o.Kind {
		case "ConfigMap":
			confs = append(confs, o)
		case "StatefulSet":
			statefulSets = append(statefulSets, o)
		case "Service":
			if o.Spec["clusterIP"] == "None" {
				headless = true
			}
		}
	}
	if kinds["ConfigMap"] != 1 || kinds["StatefulSet"] != 1 || kinds["Service"] != 2 || !headless {
		t.Fatalf("unexpected documents; got %v, headless service %v", kinds, headless)
	}
	body, ok := confs[0].Data["dynomite.yml"]
	if !ok {
		t.Fatalf("unexpected ConfigMap; got keys %v", confs[0].Data)
	}
	if !strings.Contains(body, "dyn_seed_provider: dns_provider") {
		t.Fatalf("unexpected configuration: no dns_provider:\n%s", body)
	}
	checkConf(t, "kubernetes.yaml ConfigMap", body)
	// The pod IP the container substitutes must also give a valid file.
	checkConf(t, "kubernetes.yaml ConfigMap with a pod IP", strings.ReplaceAll(body, "POD_IP", "10.1.2.3"))

	spec, _ := yaml.Marshal(statefulSets[0].Spec)
	for _, want := range []string{"name: DYNOMITE_DNS_TYPE", "value: A", "name: DYNOMITE_DNS_NAME", "serviceName: dynomite-peers", "name: " + confs[0].Metadata.Name} {
		if !bytes.Contains(spec, []byte(want)) {
			t.Fatalf("unexpected StatefulSet: %q missing:\n%s", want, spec)
		}
	}
}

// TestDeploySystemd checks the unit against the binary: its configuration
// passes -t, -p names the PIDFile, and reload sends the signal on which the
// node reopens its log.
func TestDeploySystemd(t *testing.T) {
	f, err := os.Open(filepath.Join(deployDir, "dynomite.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = v
		}
	}
	start := strings.Fields(keys["ExecStart"])
	arg := func(flag string) string {
		for i, a := range start {
			if a == flag && i+1 < len(start) {
				return start[i+1]
			}
		}
		return ""
	}
	if len(start) == 0 || arg("-p") == "" || arg("-p") != keys["PIDFile"] || arg("-o") == "" {
		t.Fatalf("unexpected ExecStart/PIDFile; got %q, %q", keys["ExecStart"], keys["PIDFile"])
	}
	if filepath.Base(arg("-c")) != "dynomite.yml" {
		t.Fatalf("unexpected configuration path; got %q", arg("-c"))
	}
	if reopen := logReopenSignal; keys["ExecReload"] != "/bin/kill -"+strings.TrimPrefix(signalNames[reopen], "SIG")+" $MAINPID" {
		t.Fatalf("unexpected ExecReload; got %q; want a kill with %s", keys["ExecReload"], signalNames[reopen])
	}
	body, err := os.ReadFile(filepath.Join(deployDir, "dynomite.yml"))
	if err != nil {
		t.Fatal(err)
	}
	checkConf(t, "dynomite.yml", string(body))
}

// logReopenSignal is the signal on which signals.go reopens the log file;
// TestServeSignals sends it to a running node and checks the reopen.
var logReopenSignal = syscall.SIGHUP
