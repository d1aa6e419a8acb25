// pulumi-language-nodejs for virtkit's offline engine (scripts/engine).
//
// Pulumi's own Node language host is a Go module of its own
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that the Go module
// proxy reachable here does not serve. This is a small stand-in written against the
// same gRPC contract (pulumirpc.LanguageRuntimeServer, sdk/v3 v3.248.0): it runs a
// program with @pulumi/pulumi's own `cmd/run` entry point (TypeScript through the
// ts-node that @pulumi/pulumi ships), reports the plugins and parameterized packages
// that node_modules declare, and generates Node SDKs with pkg/v3's nodejs codegen
// (`pulumi package gen-sdk` / `pulumi package add`). Things it does not do: install
// dependencies (run npm yourself), templates, program conversion, plugins written in
// Node (RunPlugin) and packing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped by scripts/engine (-X main.version=...).
var version = "3.248.0"

// Exit code of @pulumi/pulumi's run entry point after it already showed the user a message.
const exitCodeUserMessageShown = 32

func main() {
	var tracing, root string
	var typescript bool
	flag.StringVar(&tracing, "tracing", "", "tracing endpoint (passed on to the program)")
	flag.BoolVar(&typescript, "typescript", true, "run TypeScript through ts-node")
	flag.StringVar(&root, "root", "", "project root (unused)")
	flag.Parse()
	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}
	host := &nodeHost{engineAddress: engineAddress, tracing: tracing, typescript: typescript}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
	typescript    bool
}

func (h *nodeHost) Handshake(ctx context.Context,
	req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.EngineAddress != "" {
		h.engineAddress = req.EngineAddress
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *nodeHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// packageJSON is the part of a package.json this host reads.
type packageJSON struct {
	Name            string                  `json:"name"`
	Version         string                  `json:"version"`
	Pulumi          plugin.PulumiPluginJSON `json:"pulumi"`
	Dependencies    map[string]string       `json:"dependencies"`
	DevDependencies map[string]string       `json:"devDependencies"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

func vprefix(v string) string {
	if v == "" || strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

// packageOf turns a package.json that declares {"pulumi": {"resource": true}} into a dependency.
func packageOf(p *packageJSON) *pulumirpc.PackageDependency {
	if !p.Pulumi.Resource {
		return nil
	}
	name := p.Pulumi.Name
	if name == "" {
		name = strings.TrimPrefix(strings.TrimPrefix(p.Name, "@pulumi/"), "@")
	}
	ver := p.Pulumi.Version
	if ver == "" {
		ver = p.Version
	}
	dep := &pulumirpc.PackageDependency{
		Kind: "resource", Name: name, Version: vprefix(ver), Server: p.Pulumi.Server,
	}
	if pz := p.Pulumi.Parameterization; pz != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{
			Name: pz.Name, Version: strings.TrimPrefix(pz.Version, "v"), Value: pz.Value,
		}
	}
	return dep
}

// nodeModulesPackages walks <dir>/node_modules (following symlinks, nested node_modules
// included) and returns the Pulumi packages declared there, without duplicates.
func nodeModulesPackages(dir string) []*pulumirpc.PackageDependency {
	seen := map[string]bool{}
	visited := map[string]bool{}
	var out []*pulumirpc.PackageDependency
	var walkModules func(nm string, depth int)
	var visitPkg func(pkgDir string, depth int)
	visitPkg = func(pkgDir string, depth int) {
		real, err := filepath.EvalSymlinks(pkgDir)
		if err != nil || visited[real] {
			return
		}
		visited[real] = true
		if p, err := readPackageJSON(filepath.Join(real, "package.json")); err == nil {
			if dep := packageOf(p); dep != nil {
				key := dep.Name + "@" + dep.Version
				if dep.Parameterization != nil {
					key += "/" + dep.Parameterization.Name + "@" + dep.Parameterization.Version
				}
				if !seen[key] {
					seen[key] = true
					out = append(out, dep)
				}
			}
		}
		if depth < 8 {
			walkModules(filepath.Join(real, "node_modules"), depth+1)
		}
	}
	walkModules = func(nm string, depth int) {
		entries, err := os.ReadDir(nm)
		if err != nil {
			return
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			if strings.HasPrefix(name, "@") {
				scoped, err := os.ReadDir(filepath.Join(nm, name))
				if err != nil {
					continue
				}
				for _, s := range scoped {
					visitPkg(filepath.Join(nm, name, s.Name()), depth)
				}
				continue
			}
			visitPkg(filepath.Join(nm, name), depth)
		}
	}
	walkModules(filepath.Join(dir, "node_modules"), 0)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.ProgramDirectory != "" {
		return info.ProgramDirectory
	}
	return fallback
}

// projectDirs are the directories whose node_modules are searched: the program's
// directory and its parents up to the project root.
func projectDirs(info *pulumirpc.ProgramInfo, fallback string) []string {
	dir := programDir(info, fallback)
	root := dir
	if info != nil && info.RootDirectory != "" {
		root = info.RootDirectory
	}
	dirs := []string{dir}
	for d := dir; d != root && d != filepath.Dir(d); {
		d = filepath.Dir(d)
		dirs = append(dirs, d)
	}
	return dirs
}

func (h *nodeHost) GetRequiredPackages(ctx context.Context,
	req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	var pkgs []*pulumirpc.PackageDependency
	for _, d := range projectDirs(req.Info, ".") {
		pkgs = append(pkgs, nodeModulesPackages(d)...)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *nodeHost) GetRequiredPlugins(ctx context.Context,
	req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var plugins []*pulumirpc.PluginDependency
	seen := map[string]bool{}
	for _, d := range projectDirs(req.Info, req.Program) {
		for _, p := range nodeModulesPackages(d) {
			if key := p.Name + "@" + p.Version; !seen[key] {
				seen[key] = true
				plugins = append(plugins, &pulumirpc.PluginDependency{
					Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
				})
			}
		}
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func nodeBinary() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	return node, nil
}

// resolveRun finds @pulumi/pulumi/cmd/run as the program's own node resolution sees it.
func resolveRun(node, dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	cmd := exec.Command(node, "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run'))")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", errors.New("it looks like the Pulumi SDK has not been installed " +
			"(no @pulumi/pulumi/cmd/run from " + dir + "): have you run npm install?")
	}
	return strings.TrimSpace(string(out)), nil
}

func optString(info *pulumirpc.ProgramInfo, key string) (string, bool) {
	if info == nil || info.Options == nil {
		return "", false
	}
	v, ok := info.Options.Fields[key]
	if !ok {
		return "", false
	}
	switch x := v.AsInterface().(type) {
	case string:
		return x, true
	case bool:
		return fmt.Sprint(x), true
	case float64:
		return fmt.Sprint(x), true
	}
	return "", false
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	pwd := req.Pwd
	if req.Info != nil && req.Info.ProgramDirectory != "" {
		pwd = req.Info.ProgramDirectory
	}
	runPath, err := resolveRun(node, pwd)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	var args []string
	if nodeargs, ok := optString(req.Info, "nodeargs"); ok && nodeargs != "" {
		args = append(args, strings.Fields(nodeargs)...)
	}
	args = append(args, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.MonitorAddress)
	add("engine", h.engineAddress)
	add("organization", req.Organization)
	add("project", req.Project)
	if req.Info != nil {
		add("root-directory", req.Info.RootDirectory)
	}
	add("stack", req.Stack)
	add("pwd", pwd)
	if req.DryRun {
		args = append(args, "--dry-run")
	}
	add("parallel", fmt.Sprint(req.Parallel))
	add("tracing", h.tracing)
	entry := "."
	if req.Info != nil && req.Info.EntryPoint != "" {
		entry = req.Info.EntryPoint
	} else if req.Program != "" && req.Program != pwd {
		entry = req.Program
	}
	args = append(args, entry)
	args = append(args, req.Args...)

	config, err := json.Marshal(req.Config)
	if err != nil {
		return nil, err
	}
	secretKeys := req.ConfigSecretKeys
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	typescript := h.typescript
	if v, ok := optString(req.Info, "typescript"); ok {
		typescript = v == "true"
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secrets),
		fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", typescript),
	)
	if req.QueryMode {
		env = append(env, "PULUMI_NODEJS_QUERY_MODE=true")
	}
	if tsconfig, ok := optString(req.Info, "tsconfig"); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = pwd
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				if ws.ExitStatus() == exitCodeUserMessageShown {
					return &pulumirpc.RunResponse{Bail: true}, nil
				}
				return &pulumirpc.RunResponse{
					Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ws.ExitStatus()),
				}, nil
			}
			return &pulumirpc.RunResponse{Error: "Program exited unexpectedly: " + exitErr.Error()}, nil
		}
		return &pulumirpc.RunResponse{
			Error: "Problem executing program (could not run language executor): " + err.Error(),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *nodeHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.Directory
	if req.Info != nil && req.Info.ProgramDirectory != "" {
		dir = req.Info.ProgramDirectory
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		return nil
	}
	msg := fmt.Sprintf("virtkit engine: %s has no node_modules; run npm install there yourself\n", dir)
	return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: []byte(msg)})
}

func (h *nodeHost) RuntimeOptionsPrompts(context.Context,
	*pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *nodeHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "virtkit scripts/engine stand-in"},
	}, nil
}

func (h *nodeHost) GetProgramDependencies(ctx context.Context,
	req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.Info, req.Pwd)
	p, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for n := range p.Dependencies {
		names[n] = true
	}
	if req.TransitiveDependencies {
		for n := range p.DevDependencies {
			names[n] = true
		}
	}
	var deps []*pulumirpc.DependencyInfo
	for n := range names {
		ver := p.Dependencies[n]
		if ver == "" {
			ver = p.DevDependencies[n]
		}
		if installed, err := readPackageJSON(filepath.Join(dir, "node_modules", n, "package.json")); err == nil {
			ver = installed.Version
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: ver})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func (h *nodeHost) GeneratePackage(ctx context.Context,
	req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, err
	}
	cached := schema.NewCachedLoader(loader)
	pkg, diags, err := schema.BindSpec(spec, cached, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
	}
	files, err := nodejs.GeneratePackage("pulumi-language-nodejs", pkg,
		req.ExtraFiles, req.LocalDependencies, req.Local, cached)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		out := filepath.Join(req.Directory, name)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
}

// Link adds generated local SDKs to the program's package.json as file: dependencies;
// `npm install` (run by the user) then builds and links them.
func (h *nodeHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	dir := programDir(req.Info, ".")
	path := filepath.Join(dir, "package.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	deps, _ := doc["dependencies"].(map[string]any)
	if deps == nil {
		deps = map[string]any{}
	}
	var instructions []string
	for _, l := range req.Packages {
		sdkDir := l.Path
		if !filepath.IsAbs(sdkDir) {
			sdkDir = filepath.Join(dir, sdkDir)
		}
		sdk, err := readPackageJSON(filepath.Join(sdkDir, "package.json"))
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(dir, sdkDir)
		if err != nil {
			rel = sdkDir
		}
		deps[sdk.Name] = "file:" + filepath.ToSlash(rel)
		instructions = append(instructions,
			fmt.Sprintf("import * as %s from \"%s\";", jsIdent(sdk.Name), sdk.Name))
	}
	doc["dependencies"] = deps
	out, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		return nil, err
	}
	return &pulumirpc.LinkResponse{ImportInstructions: "Run `npm install`, then:\n\n" +
		strings.Join(instructions, "\n") + "\n"}, nil
}

func jsIdent(npmName string) string {
	name := npmName[strings.LastIndex(npmName, "/")+1:]
	var b strings.Builder
	upper := false
	for _, r := range name {
		if r == '-' || r == '.' || r == '_' {
			upper = true
			continue
		}
		if upper {
			b.WriteString(strings.ToUpper(string(r)))
			upper = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// The remaining methods are not offered here.
func (h *nodeHost) RunPlugin(*pulumirpc.RunPluginRequest, pulumirpc.LanguageRuntime_RunPluginServer) error {
	return status.Error(codes.Unimplemented, "RunPlugin is not offered by virtkit's Node language host")
}
