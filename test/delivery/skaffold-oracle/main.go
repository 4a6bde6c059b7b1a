// Command skaffold-oracle loads a skaffold.yaml with Skaffold's own code (v2, as a library):
// strict parsing and upgrade to the latest schema, then, for each requested profile set, the
// profiles Skaffold activates, the resulting config (builder, deployers, manifests, hooks) and
// what Skaffold's config validation says before it would build anything. Run it from the
// config's directory: Skaffold resolves rawYaml globs against its working directory.
//
// Usage: skaffold-oracle SKAFFOLD_YAML COMMAND PROFILES... (PROFILES comma separated, "" for none)
// Prints one JSON object per profile set.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/config"
	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/parser"
	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/parser/configlocations"
	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/schema"
	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/schema/latest"
	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/schema/validation"
)

type result struct {
	Profiles []string `json:"profiles"`
	Applied  []string `json:"applied,omitempty"`
	Error    string   `json:"error,omitempty"`
	// Invalid is what Skaffold's config validation (run before any build or hook) says, if anything.
	Invalid   string     `json:"invalid,omitempty"`
	Builder   string     `json:"builder,omitempty"`
	Push      *bool      `json:"push,omitempty"`
	Platforms []string   `json:"platforms"`
	Deployers []string   `json:"deployers"`
	RawYaml   []string   `json:"rawYaml"`
	Hooks     [][]string `json:"hooks"`
	Artifacts []string   `json:"artifacts"`
	CloudRun  *cloudRun  `json:"cloudrun,omitempty"`
}

type cloudRun struct {
	ProjectID string `json:"projectid"`
	Region    string `json:"region"`
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: skaffold-oracle SKAFFOLD_YAML COMMAND PROFILES...")
		os.Exit(2)
	}
	path, command := os.Args[1], os.Args[2]
	out := json.NewEncoder(os.Stdout)
	for _, set := range os.Args[3:] {
		var named []string
		if set != "" {
			named = strings.Split(set, ",")
		}
		_ = out.Encode(load(path, command, named))
	}
}

func load(path, command string, named []string) result {
	r := result{Profiles: named}
	configs, err := schema.ParseConfigAndUpgrade(path)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	if len(configs) != 1 {
		r.Error = fmt.Sprintf("%d configs in %s, want 1", len(configs), path)
		return r
	}
	c := configs[0].(*latest.SkaffoldConfig)
	opts := config.SkaffoldOptions{Command: command, ProfileAutoActivation: true, KubeContext: "oracle-no-cluster"}
	applied, _, err := schema.ApplyProfiles(c, map[string]configlocations.YAMLOverrideInfo{}, opts, named)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Applied = applied
	r.Invalid = validate(path, opts, named)
	switch {
	case c.Build.LocalBuild != nil:
		r.Builder = "local"
		r.Push = c.Build.LocalBuild.Push
	case c.Build.GoogleCloudBuild != nil:
		r.Builder = "googleCloudBuild"
	case c.Build.Cluster != nil:
		r.Builder = "cluster"
	}
	r.Platforms = c.Build.Platforms
	for _, a := range c.Build.Artifacts {
		r.Artifacts = append(r.Artifacts, a.ImageName)
	}
	d := c.Deploy.DeployType
	if d.KubectlDeploy != nil {
		r.Deployers = append(r.Deployers, "kubectl")
	}
	if d.CloudRunDeploy != nil {
		r.Deployers = append(r.Deployers, "cloudrun")
		r.CloudRun = &cloudRun{ProjectID: d.CloudRunDeploy.ProjectID, Region: d.CloudRunDeploy.Region}
	}
	if d.DockerDeploy != nil {
		r.Deployers = append(r.Deployers, "docker")
	}
	if d.LegacyHelmDeploy != nil {
		r.Deployers = append(r.Deployers, "helm")
	}
	if d.KptDeploy != nil {
		r.Deployers = append(r.Deployers, "kpt")
	}
	r.RawYaml = c.Render.RawK8s
	for _, h := range c.Render.LifecycleHooks.PreHooks {
		if h.HostHook != nil {
			r.Hooks = append(r.Hooks, h.HostHook.Command)
		}
	}
	return r
}

// validate runs what `skaffold <command>` runs on the config before it builds or renders anything:
// the config set as the CLI loads it (paths made absolute, profiles applied), then
// validation.Process — which, among other things, requires every rawYaml glob to match a file.
func validate(path string, opts config.SkaffoldOptions, named []string) string {
	opts.ConfigurationFile = path
	opts.Profiles = named
	opts.PropagateProfiles = true
	set, err := parser.GetConfigSet(context.Background(), opts)
	if err == nil {
		err = validation.Process(set, validation.GetValidationOpts(opts))
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
