// Command gen-kube-proto-fixtures writes the fixtures of test/devcluster/protobuf/fixtures/:
// for each object, NAME.pb is what Kubernetes' protobuf serializer writes for it (the bytes kubectl
// sends: "k8s\x00" + runtime.Unknown), and NAME.json is the JSON Go writes for the object decoded
// back from those bytes — what the API server sees. durations.json holds time.Duration strings.
//
// Run: cd scripts/gen-kube-proto-fixtures && go run . ../../test/devcluster/protobuf/fixtures
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

type fixture struct {
	name string
	gvk  schema.GroupVersionKind
	obj  runtime.Object
}

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	adders := []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, rbacv1.AddToScheme, eventsv1.AddToScheme,
		coordinationv1.AddToScheme, certificatesv1.AddToScheme, autoscalingv2.AddToScheme,
	}
	for _, add := range adders {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

func write(dir string, s *runtime.Scheme, f fixture) error {
	ser := protobuf.NewSerializer(s, s)
	f.obj.GetObjectKind().SetGroupVersionKind(f.gvk)
	var pb bytes.Buffer
	if err := ser.Encode(f.obj, &pb); err != nil {
		return fmt.Errorf("%s: encode: %w", f.name, err)
	}
	back, _, err := ser.Decode(pb.Bytes(), nil, nil)
	if err != nil {
		return fmt.Errorf("%s: decode: %w", f.name, err)
	}
	back.GetObjectKind().SetGroupVersionKind(f.gvk)
	js, err := json.MarshalIndent(back, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: json: %w", f.name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, f.name+".pb"), pb.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, f.name+".json"), append(js, '\n'), 0o644)
}

func durations(dir string) error {
	values := []time.Duration{
		0, 1, 999, 1000, 1500, time.Millisecond, 1500 * time.Microsecond, time.Second, 90 * time.Second,
		time.Hour + 2*time.Minute + 3*time.Second + 500*time.Millisecond, -5 * time.Minute, 100 * time.Hour,
		1<<63 - 1, -1 << 63, 36*time.Hour + 1,
	}
	type row struct {
		Nanos  string `json:"nanos"`
		String string `json:"string"`
	}
	rows := make([]row, 0, len(values))
	for _, d := range values {
		rows = append(rows, row{Nanos: fmt.Sprint(int64(d)), String: d.String()})
	}
	js, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "durations.json"), append(js, '\n'), 0o644)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run . OUTPUT_DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	s := scheme()
	for _, f := range fixtures() {
		if err := write(dir, s, f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := durations(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
