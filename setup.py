"""Package mapping: the card's top-level envs/, agents/, curricula/ install as qdesign.envs, ... .

Sub-packages are discovered here so new modules in any family never need a manual list.
"""

from setuptools import find_packages, setup

ROOTS = {
    "qdesign": "qdesign",
    "qdesign.envs": "envs",
    "qdesign.agents": "agents",
    "qdesign.curricula": "curricula",
}
#: data-only packages: the training presets live beside the experiments but install with the package
DATA_ROOTS = {"qdesign.configs": "experiments/configs"}

packages: list[str] = []
package_dir: dict[str, str] = {}
for name, folder in ROOTS.items():
    package_dir[name] = folder
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]
for name, folder in DATA_ROOTS.items():
    package_dir[name] = folder
    packages.append(name)

setup(
    packages=sorted(set(packages)),
    package_dir=package_dir,
    # shipped data sits in data/ and models/ folders beside the module that reads it
    package_data={"qdesign.configs": ["*/*.yaml", "*/*.yml"],
                  "": ["py.typed", "*.json", "*.npz", "*.pt", "*.yaml", "*.alist", "data/*", "models/*"]},
    include_package_data=True,
)
