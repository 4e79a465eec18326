export default { id: 'company', title: 'company', heading: 'company', requires: ['nosuch'], render() {} };
