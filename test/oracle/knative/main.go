// Command knative-oracle is a test oracle: it runs upstream Knative Serving's own defaulting and
// validation (the code its admission webhook runs, at the release our CRD copies come from) over
// Service manifests and prints one verdict per manifest. Our TypeScript validator's `knative`
// target is checked against these verdicts (see knative.oracle.test.ts next to this file).
//
// Input (stdin): YAML documents separated by ---, each one Service manifest (JSON is YAML too).
// Output (stdout): one JSON line per document, in order:
//
//	{"index":0,"ok":false,"errors":["spec.template.spec.containers[0].image: ..."],"warnings":[...]}
//
// The cluster is assumed to run with Knative's default config-defaults, config-features and
// config-autoscaler; unknown fields are rejected, as the API server does with strict field
// validation (kubectl's default).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/config"
	v1 "knative.dev/serving/pkg/apis/serving/v1"
	autoscalerconfig "knative.dev/serving/pkg/autoscaler/config"
	"sigs.k8s.io/yaml"
)

type verdict struct {
	Index    int      `json:"index"`
	OK       bool     `json:"ok"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
}

func defaultContext() (context.Context, error) {
	defaults, err := config.NewDefaultsConfigFromMap(map[string]string{})
	if err != nil {
		return nil, err
	}
	features, err := config.NewFeaturesConfigFromMap(map[string]string{})
	if err != nil {
		return nil, err
	}
	autoscaler, err := autoscalerconfig.NewConfigFromMap(map[string]string{})
	if err != nil {
		return nil, err
	}
	cfg := &config.Config{Defaults: defaults, Features: features, Autoscaler: autoscaler}
	return apis.WithinCreate(config.ToContext(context.Background(), cfg)), nil
}

func flatten(fe *apis.FieldError) []string {
	out := []string{}
	if fe == nil {
		return out
	}
	for _, e := range fe.WrappedErrors() {
		msg := e.Message
		if e.Details != "" {
			msg += " (" + e.Details + ")"
		}
		out = append(out, strings.Join(e.Paths, ", ")+": "+msg)
	}
	return out
}

func judge(ctx context.Context, raw json.RawMessage, index int) verdict {
	v := verdict{Index: index, Errors: []string{}, Warnings: []string{}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var svc v1.Service
	if err := dec.Decode(&svc); err != nil {
		v.Errors = append(v.Errors, "decode: "+err.Error())
		return v
	}
	if svc.APIVersion != "serving.knative.dev/v1" {
		v.Errors = append(v.Errors, fmt.Sprintf("apiVersion: %q is not serving.knative.dev/v1", svc.APIVersion))
	}
	if svc.Kind != "Service" {
		v.Errors = append(v.Errors, fmt.Sprintf("kind: %q is not Service", svc.Kind))
	}
	svc.SetDefaults(ctx)
	fe := svc.Validate(ctx)
	v.Errors = append(v.Errors, flatten(fe.Filter(apis.ErrorLevel))...)
	v.Warnings = append(v.Warnings, flatten(fe.Filter(apis.WarningLevel))...)
	v.OK = len(v.Errors) == 0
	return v
}

func run(in io.Reader, out io.Writer) error {
	ctx, err := defaultContext()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	reader := k8syaml.NewYAMLReader(bufio.NewReader(in))
	index := 0
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("document %d: %w", index, err)
		}
		raw, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return fmt.Errorf("document %d: %w", index, err)
		}
		if trimmed := bytes.TrimSpace(raw); len(trimmed) == 0 || string(trimmed) == "null" {
			continue // an empty document, e.g. after a trailing ---
		}
		if err := enc.Encode(judge(ctx, raw, index)); err != nil {
			return err
		}
		index++
	}
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "knative-oracle:", err)
		os.Exit(1)
	}
}
