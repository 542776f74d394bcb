package main

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ptr[T any](v T) *T { return &v }

var (
	when  = metav1.NewTime(time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC))
	micro = metav1.NewMicroTime(time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC))
)

// What kubectl's generators build (kubectl create namespace|secret|configmap|deployment|job|serviceaccount|role).
func generatorFixtures() []fixture {
	labels := map[string]string{"app": "d"}
	return []fixture{
		{"namespace", corev1.SchemeGroupVersion.WithKind("Namespace"), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns1"}}},
		{"secret", corev1.SchemeGroupVersion.WithKind("Secret"), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "default"},
			Data:       map[string][]byte{"a": []byte("b"), "bin": {0, 1, 2, 0xff, 0xfe}, "empty": {}},
			Type:       corev1.SecretTypeOpaque,
		}},
		{"configmap", corev1.SchemeGroupVersion.WithKind("ConfigMap"), &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "c"},
			Data:       map[string]string{"k": "v", "unicode": "héllo ✓ \u0000 end", "empty": ""},
			BinaryData: map[string][]byte{"b": {0xde, 0xad, 0xbe, 0xef}},
			Immutable:  ptr(false),
		}},
		{"deployment", appsv1.SchemeGroupVersion.WithKind("Deployment"), &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "d", Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr(int32(1)),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "busybox", Image: "busybox"}}},
				},
			},
		}},
		{"job", batchv1.SchemeGroupVersion.WithKind("Job"), &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "j"},
			Spec: batchv1.JobSpec{
				BackoffLimit: ptr(int32(0)),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					Containers:    []corev1.Container{{Name: "j", Image: "busybox", Command: []string{"sh", "-c", "echo hi"}}},
					RestartPolicy: corev1.RestartPolicyNever,
				}},
			},
		}},
		{"serviceaccount", corev1.SchemeGroupVersion.WithKind("ServiceAccount"), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "sa"}}},
		{"role", rbacv1.SchemeGroupVersion.WithKind("Role"), &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "r"},
			Rules: []rbacv1.PolicyRule{
				{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}},
				{Verbs: []string{"get"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: []string{"d"}},
			},
		}},
		{"deleteoptions", corev1.SchemeGroupVersion.WithKind("DeleteOptions"), &metav1.DeleteOptions{
			GracePeriodSeconds: ptr(int64(0)),
			PropagationPolicy:  ptr(metav1.DeletePropagationBackground),
		}},
	}
}

// Objects that reach the special types and the edge cases of the wire format.
func specialFixtures() []fixture {
	return []fixture{
		{"pod", corev1.SchemeGroupVersion.WithKind("Pod"), kitchenSinkPod()},
		{"service", corev1.SchemeGroupVersion.WithKind("Service"), &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "svc"},
			Spec: corev1.ServiceSpec{
				Ports: []corev1.ServicePort{
					{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
					{Name: "zero", Port: 8080, TargetPort: intstr.FromInt32(0)},
				},
				Selector:              map[string]string{"app": "d"},
				SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(0))}},
			},
		}},
		{"controllerrevision", appsv1.SchemeGroupVersion.WithKind("ControllerRevision"), &appsv1.ControllerRevision{
			ObjectMeta: metav1.ObjectMeta{Name: "rev"},
			Data:       runtime.RawExtension{Raw: []byte(`{"spec":{"template":{"a":[1,2.5,"x",true,{"b":{}}]}}}`)},
			Revision:   -9007199254740991,
		}},
		{"event", eventsv1.SchemeGroupVersion.WithKind("Event"), &eventsv1.Event{
			ObjectMeta:               metav1.ObjectMeta{Name: "ev"},
			EventTime:                micro,
			Series:                   &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(time.Unix(0, 0).UTC())},
			ReportingController:      "c",
			Reason:                   "Started",
			DeprecatedFirstTimestamp: when,
			DeprecatedCount:          0,
		}},
		{"lease", coordinationv1.SchemeGroupVersion.WithKind("Lease"), &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: "l"},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr(""), LeaseDurationSeconds: ptr(int32(-1)), RenewTime: &micro, LeaseTransitions: ptr(int32(2147483647))},
		}},
		{"csr", certificatesv1.SchemeGroupVersion.WithKind("CertificateSigningRequest"), &certificatesv1.CertificateSigningRequest{
			ObjectMeta: metav1.ObjectMeta{Name: "csr"},
			Spec: certificatesv1.CertificateSigningRequestSpec{
				Request:           []byte("-----BEGIN CERTIFICATE REQUEST-----\n"),
				SignerName:        "example.com/signer",
				ExpirationSeconds: ptr(int32(600)),
				Usages:            []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature},
				Extra:             map[string]certificatesv1.ExtraValue{"groups": {"a", "b"}},
			},
		}},
		{"hpa", autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"), &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Name: "hpa"},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "d", APIVersion: "apps/v1"},
				MinReplicas:    ptr(int32(1)),
				MaxReplicas:    5,
				Metrics: []autoscalingv2.MetricSpec{{
					Type:     autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("512Mi"))}},
				}},
			},
		}},
	}
}

func fixtures() []fixture {
	return append(generatorFixtures(), specialFixtures()...)
}
